"""What a search asks for: the keyword syntax, parsed without ever failing, and the filters.

Keyword syntax (documented for users in the README):
- `janitorial services`: every word must appear (in any searched field); words are stemmed,
  so "cleaning" also finds "clean" and "cleaned".
- `"floor care"`: an exact phrase (an unclosed quote runs to the end of the query).
- `-asbestos` or `NOT asbestos`: leave out documents with that word or phrase.
- `janitorial OR custodial`: either word.
- `landsc*`: words starting with at least three letters.
Anything else is plain text: punctuation is ignored, `AND` is the default and may be typed,
a query is cut at 200 characters and 16 terms, and a query with no words left simply lists
everything the filters allow, saying so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from marketplace.pagination import Paginated

MAX_CHARS = 200
MAX_CLAUSES = 16
MIN_PREFIX = 3
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Clause:
    """One thing to look for: a word, a phrase (several words in order) or a word prefix."""

    kind: str  # "word" | "phrase" | "prefix"
    text: str

    def display(self) -> str:
        """The clause as a user would type it."""
        if self.kind == "phrase":
            return f'"{self.text}"'
        return self.text + ("*" if self.kind == "prefix" else "")


@dataclass(frozen=True)
class ParsedQuery:
    """Groups that must all match (each group: any of its clauses), clauses that must not, notes."""

    groups: tuple[tuple[Clause, ...], ...] = ()
    excluded: tuple[Clause, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to look for (filters only)."""
        return not self.groups

    def clauses(self) -> list[Clause]:
        """Every positive clause, in order."""
        return [clause for group in self.groups for clause in group]

    def display(self) -> str:
        """The query rebuilt from what was understood."""
        parts = [" OR ".join(c.display() for c in group) for group in self.groups]
        parts += [f"-{c.display()}" for c in self.excluded]
        return " ".join(parts)


def _clause(raw: str, quoted: bool, notes: list[str]) -> Clause | None:
    words = _WORD.findall(raw)
    if not words:
        if "*" in raw or "?" in raw:
            notes.append("A wildcard needs at least three letters before the * (for example landsc*).")
        return None
    if quoted or len(words) > 1:
        return Clause("phrase" if len(words) > 1 else "word", " ".join(words).lower())
    word = words[0].lower()
    if raw.endswith("*"):
        if len(word) >= MIN_PREFIX:
            return Clause("prefix", word)
        notes.append("A wildcard needs at least three letters before the * (for example landsc*).")
    return Clause("word", word)


def parse(text: str | None) -> ParsedQuery:
    """Parse what the user typed; never raises, whatever the input."""
    text = (text or "").replace("\x00", " ")
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"Your search was shortened to its first {MAX_CHARS} characters.")
    groups: list[list[Clause]] = []
    excluded: list[Clause] = []
    join_next = negate_next = False
    for match in _TOKEN.finditer(text):
        quoted = match.group(1) is not None
        raw = match.group(1) if quoted else match.group(2)
        if not quoted:
            if raw == "OR":
                join_next = bool(groups)
                continue
            if raw == "AND":
                continue
            if raw == "NOT":
                negate_next = True
                continue
        negate = negate_next or (not quoted and raw.startswith("-") and len(raw) > 1)
        if not quoted and raw.startswith("-"):
            raw = raw.lstrip("-")
        clause = _clause(raw, quoted, notes)
        negate_next = False
        if clause is None:
            join_next = False
            continue
        if len(groups) + len(excluded) >= MAX_CLAUSES:
            notes.append(f"Only the first {MAX_CLAUSES} words or phrases were used.")
            break
        if negate:
            excluded.append(clause)
        elif join_next:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        join_next = False
    if not groups and excluded:
        notes.append("A search cannot only leave words out; add a word to look for.")
        excluded = []
    if not groups and text.strip() and not notes:
        notes.append("Your search had no words to look for, so everything matching the filters is listed.")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded), tuple(dict.fromkeys(notes)))


OPPORTUNITY_STATUSES = ("open", "closed", "awarded")
OPPORTUNITY_SORTS = {"relevance": "Best match", "closing": "Closing soonest", "closing_desc": "Closing latest"}


@dataclass(frozen=True)
class OpportunityQuery:
    """An opportunity search: keywords and filters. Saved searches store this (see `to_dict`)."""

    text: str = ""
    naics: tuple[str, ...] = ()  # 6-digit codes or prefixes (2 to 5 digits)
    institution_ids: tuple[int, ...] = ()
    set_asides: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("open",)
    closes_after: datetime | None = None
    closes_before: datetime | None = None
    sort: str = "relevance"

    def to_dict(self) -> dict:
        """A JSON-able form (for saved searches)."""
        return {
            "text": self.text, "naics": list(self.naics), "institution_ids": list(self.institution_ids),
            "set_asides": list(self.set_asides), "types": list(self.types), "statuses": list(self.statuses),
            "closes_after": self.closes_after.isoformat() if self.closes_after else None,
            "closes_before": self.closes_before.isoformat() if self.closes_before else None,
            "sort": self.sort,
        }

    @classmethod
    def from_dict(cls, data: dict) -> OpportunityQuery:
        """The query saved by `to_dict`."""
        def instant(value):
            return datetime.fromisoformat(value) if value else None
        return cls(text=data.get("text", ""), naics=tuple(data.get("naics", ())),
                   institution_ids=tuple(data.get("institution_ids", ())),
                   set_asides=tuple(data.get("set_asides", ())), types=tuple(data.get("types", ())),
                   statuses=tuple(data.get("statuses", ("open",))),
                   closes_after=instant(data.get("closes_after")),
                   closes_before=instant(data.get("closes_before")), sort=data.get("sort", "relevance"))


@dataclass(frozen=True)
class VendorQuery:
    """A vendor search: keywords, NAICS, certification types, local under a rule, county."""

    text: str = ""
    naics: tuple[str, ...] = ()
    cert_types: tuple[str, ...] = ()  # any of these, verified and valid today
    local_counties: tuple[str, ...] | None = None  # the local rule's county keys (None: no rule)
    local_zips: tuple[str, ...] = ()  # and its extra ZIPs
    local_only: bool = False
    counties: tuple[str, ...] = ()  # county keys ("FL|broward")
    sort: str = "relevance"


@dataclass
class Facet:
    """Counts of matching documents per value of one filter."""

    name: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Results(Paginated):
    """A page of search results: ids in rank order, rows loaded from the database, and the rest."""

    ids: list[int]
    total: int
    page: int
    per_page: int
    items: list = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    suggestion: str | None = None
    notes: tuple[str, ...] = ()
    used_fallback: bool = False
