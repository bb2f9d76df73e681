"""Counties and ZIP codes from the `zipcodes` package, indexed once per process.

`zipcodes` scans a list of ~43,000 dicts on every query, so the first call here builds
plain dicts (ZIP → county, state → counties) and later lookups are dictionary reads.
The package spells some counties two ways ("Alexandria City", "Alexandria city"); names
are compared case-insensitively and the most common spelling is the canonical one.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from marketplace.errors import DomainError

ZIP_PATTERN = re.compile(r"^\d{5}$")
# Suffixes a user may leave out: "FL:Broward" means "Broward County". Tried in this order,
# so "VA:Fairfax" is Fairfax County, not Fairfax City.
OPTIONAL_SUFFIXES = (" county", " parish", " borough")


@dataclass
class _Index:
    zip_to_county: dict[str, tuple[str, str]] = field(default_factory=dict)
    # every ZIP the package knows, including the few (military, PO-box-only) with no county
    all_zips: set[str] = field(default_factory=set)
    # state → {lowercased name or alias → canonical name}
    counties: dict[str, dict[str, str]] = field(default_factory=dict)
    # state → canonical names, sorted
    county_lists: dict[str, list[str]] = field(default_factory=dict)


_index: _Index | None = None
_lock = threading.Lock()


def _build() -> _Index:
    import zipcodes  # slow to load; imported only when a lookup is first needed

    records = zipcodes.list_all()
    spellings: dict[tuple[str, str], Counter[str]] = {}
    for record in records:
        state, county = record.get("state") or "", (record.get("county") or "").strip()
        if state and county:
            spellings.setdefault((state, county.lower()), Counter())[county] += 1
    canonical = {key: counter.most_common(1)[0][0] for key, counter in spellings.items()}
    index = _Index()
    for record in records:
        index.all_zips.add(record["zip_code"])
        state, county = record.get("state") or "", (record.get("county") or "").strip()
        if state and county:
            index.zip_to_county[record["zip_code"]] = (state, canonical[(state, county.lower())])
    for (state, lowered), name in canonical.items():
        index.counties.setdefault(state, {})[lowered] = name
    for state, names in index.counties.items():
        aliases: dict[str, str] = {}
        for suffix in reversed(OPTIONAL_SUFFIXES):  # earlier suffixes win
            for lowered, name in names.items():
                if lowered.endswith(suffix):
                    aliases[lowered[: -len(suffix)]] = name
        for alias, name in aliases.items():
            names.setdefault(alias, name)
        index.county_lists[state] = sorted(set(names.values()))
    return index


def _get_index() -> _Index:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _build()
    return _index


def states() -> list[str]:
    """The state and territory codes that have counties."""
    return sorted(_get_index().county_lists)


def counties_of(state: str) -> list[str]:
    """The canonical county names of `state` (empty for an unknown state)."""
    return list(_get_index().county_lists.get(state.strip().upper(), []))


def county_for_zip(zip_code: str) -> tuple[str, str] | None:
    """The (state, county) a 5-digit ZIP lies in, or None when unknown."""
    return _get_index().zip_to_county.get((zip_code or "").strip()[:5])


def is_known_zip(zip_code: str) -> bool:
    """True for a 5-digit ZIP the `zipcodes` package knows (active or not)."""
    return bool(ZIP_PATTERN.match(zip_code)) and zip_code in _get_index().all_zips


def parse_county(text: str) -> tuple[str, str]:
    """Read `FL:Broward` or `fl:broward county` as ("FL", "Broward County"); raise DomainError."""
    state, sep, county = (text or "").partition(":")
    state, county = state.strip().upper(), " ".join(county.split())
    if not sep or not state or not county:
        raise DomainError(f"Write a county as STATE:County, e.g. FL:Broward (got {text.strip()!r}).")
    names = _get_index().counties.get(state)
    if names is None:
        raise DomainError(f"Unknown state {state!r} in {text.strip()!r}.")
    canonical = names.get(county.lower())
    if canonical is None:
        raise DomainError(f"Unknown county {county!r} in {state}.")
    return state, canonical


def parse_zip(text: str) -> str:
    """Check that `text` is a real 5-digit US ZIP code and return it; raise DomainError."""
    zip_code = (text or "").strip()
    if not ZIP_PATTERN.match(zip_code):
        raise DomainError(f"{zip_code!r} is not a 5-digit ZIP code.")
    if not is_known_zip(zip_code):
        raise DomainError(f"ZIP code {zip_code} does not exist.")
    return zip_code
