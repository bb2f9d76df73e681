"""Matching spend lines to registered vendors: by EIN, then by normalized name within the ZIP.

A line whose EIN belongs to a vendor is matched. Otherwise its payee name (normalized as
at registration) is compared with the legal names and DBAs of vendors having an address in
the line's ZIP: one exact name, or one clear fuzzy match (token-sort ratio ≥ 90), is a
match; two or more plausible ones make the line ambiguous; none leaves it unmatched. The
officer links ambiguous and unmatched lines in the review queue.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from marketplace import db
from marketplace.auth.registration import normalize_business_name
from marketplace.vendors.models import Vendor, VendorAddress

MATCH_SCORE = 90
CANDIDATE_SCORE = 80


@dataclass(frozen=True)
class Match:
    """The outcome for one line: status and, when matched, the vendor."""

    status: str
    vendor_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A vendor that might be the payee, with the score and the reason."""

    vendor_id: int
    name: str
    score: float
    reason: str


class VendorIndex:
    """Every vendor's EIN, names and address ZIPs, loaded once for a whole import."""

    def __init__(self) -> None:
        self.by_ein: dict[str, int] = {}
        self.names: dict[int, set[str]] = {}
        self.labels: dict[int, str] = {}
        self.by_zip: dict[str, set[int]] = {}
        self._decided: dict[tuple[str, str | None, str | None], Match] = {}
        self._by_zip_names: dict[str, tuple[list[str], list[int]]] = {}
        for vendor_id, legal_name, normalized, dba, ein in db.session.execute(
            sa.select(Vendor.id, Vendor.legal_name, Vendor.normalized_name, Vendor.dba, Vendor.ein)
        ):
            if ein:
                self.by_ein[ein] = vendor_id
            names = {normalized or normalize_business_name(legal_name)}
            if dba:
                names.add(normalize_business_name(dba))
            self.names[vendor_id] = {n for n in names if n}
            self.labels[vendor_id] = legal_name
        for vendor_id, zip_code in db.session.execute(sa.select(VendorAddress.vendor_id, VendorAddress.zip).distinct()):
            self.by_zip.setdefault(zip_code, set()).add(vendor_id)
        # token_sort_ratio is 100 exactly when the sorted words are equal: exact names by lookup.
        self.exact: dict[tuple[str, str], set[int]] = {}
        for zip_code, vendor_ids in self.by_zip.items():
            for vendor_id in vendor_ids:
                for name in self.names.get(vendor_id, ()):
                    self.exact.setdefault((zip_code, _sorted_words(name)), set()).add(vendor_id)

    def candidates(self, name: str, zip_code: str | None, ein: str | None = None) -> list[Candidate]:
        """Plausible vendors for a payee, best first (EIN, then name within the ZIP)."""
        found: list[Candidate] = []
        if ein and ein in self.by_ein:
            vendor_id = self.by_ein[ein]
            found.append(Candidate(vendor_id, self.labels[vendor_id], 100.0, f"EIN {ein}"))
        wanted = normalize_business_name(name or "")
        if wanted and zip_code:
            names, owners = self._zip_names(zip_code)
            best: dict[int, float] = {}  # each vendor's best score over its names
            for _name, score, index in process.extract(wanted, names, scorer=fuzz.token_sort_ratio,
                                                        score_cutoff=CANDIDATE_SCORE, limit=None):
                best[owners[index]] = max(score, best.get(owners[index], 0.0))
            for vendor_id, score in best.items():
                if all(c.vendor_id != vendor_id for c in found):
                    reason = "same name" if score == 100 else f"similar name ({score:.0f}%)"
                    found.append(Candidate(vendor_id, self.labels[vendor_id], score, f"{reason} in ZIP {zip_code}"))
        return sorted(found, key=lambda c: (-c.score, c.name, c.vendor_id))

    def _zip_names(self, zip_code: str) -> tuple[list[str], list[int]]:
        """Every name of every vendor with an address in the ZIP, and whose each is (built once)."""
        if zip_code not in self._by_zip_names:
            pairs = [(n, v) for v in self.by_zip.get(zip_code, ()) for n in self.names.get(v, ())]
            self._by_zip_names[zip_code] = ([n for n, _ in pairs], [v for _, v in pairs])
        return self._by_zip_names[zip_code]

    def match(self, name: str, zip_code: str | None, ein: str | None) -> Match:
        """Decide one line: matched by EIN or one clear name in the ZIP, else ambiguous or unmatched."""
        key = (name, zip_code, ein)
        if key not in self._decided:
            self._decided[key] = self._match(name, zip_code, ein)
        return self._decided[key]

    def _match(self, name: str, zip_code: str | None, ein: str | None) -> Match:
        if ein and ein in self.by_ein:
            return Match("matched", self.by_ein[ein])
        if zip_code:
            exact = self.exact.get((zip_code, _sorted_words(normalize_business_name(name or ""))), set())
            if len(exact) == 1:  # the one exact name wins whatever else is similar (as below)
                return Match("matched", next(iter(exact)))
        candidates = self.candidates(name, zip_code)
        exact = [c for c in candidates if c.score == 100]
        if len(exact) == 1:
            return Match("matched", exact[0].vendor_id)
        strong = [c for c in candidates if c.score >= MATCH_SCORE]
        if len(strong) == 1 and len(candidates) == 1:
            return Match("matched", strong[0].vendor_id)
        if candidates:
            return Match("ambiguous")
        return Match("unmatched")


def _sorted_words(name: str) -> str:
    return " ".join(sorted(name.split()))


def search_vendors(text: str, limit: int = 20) -> list[Vendor]:
    """Vendors whose legal name, DBA or EIN contains `text` (for linking by hand)."""
    words = " ".join((text or "").split())
    if not words:
        return []
    pattern = f"%{words.lower()}%"
    return list(db.session.scalars(
        sa.select(Vendor).where(sa.or_(
            sa.func.lower(Vendor.legal_name).like(pattern), sa.func.lower(Vendor.dba).like(pattern),
            Vendor.ein == words, Vendor.normalized_name.like(f"%{normalize_business_name(words)}%"),
        )).order_by(Vendor.legal_name, Vendor.id).limit(limit)
    ))
