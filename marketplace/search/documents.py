"""What goes into the index: plain dicts built from database rows, in batches.

Opportunities are indexed once published and while open, closed or awarded; drafts,
cancelled and no-award opportunities are not. Nothing is read from bids (not even counts).
Vendors carry their names, capability statement, NAICS codes with titles, the certification
types verified and valid today, and the county and ZIP of today's principal place of business.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from marketplace import clock
from marketplace.naics import catalog
from marketplace.opportunities.models import Opportunity, OpportunityNaics
from marketplace.vendors.local import normalize_county
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

BATCH = 2000
DEFAULT_TIMEZONE = "America/New_York"


def today() -> date:
    """Today's date where the collaborative is (used for certification validity and addresses)."""
    return clock.utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def county_key(state: str | None, county: str | None) -> str | None:
    """'FL|broward' for Broward County, Florida: the form counties are indexed and filtered in."""
    if not state or not county:
        return None
    return f"{state.upper()}|{normalize_county(county)}"


def county_label(key: str) -> str:
    """'Broward, FL' for 'FL|broward'."""
    state, _, county = key.partition("|")
    return f"{county.title()}, {state}"


def naics_prefixes(codes: Iterable[str]) -> list[str]:
    """Every code and each of its prefixes of two digits or more, once."""
    seen: dict[str, None] = {}
    for code in codes:
        for n in range(2, len(code) + 1):
            seen.setdefault(code[:n], None)
    return list(seen)


def naics_titles(codes: Iterable[str]) -> str:
    """The titles of the codes, so a NAICS title is searchable by its words."""
    return " ".join(catalog.title(code) or "" for code in codes)


def signature(doc: dict) -> str:
    """A short fingerprint of a document, stored in the index so `check` can spot stale ones."""
    text = "\x1f".join(f"{key}={doc[key]}" for key in sorted(doc) if key not in ("sig",))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


INDEXABLE_OPPORTUNITY = sa.and_(
    Opportunity.published_at.is_not(None),
    Opportunity.cancelled_at.is_(None),
    Opportunity.no_award_at.is_(None),
)


def _chunks(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _id_batches(session, column, where, ids: Iterable[int] | None) -> Iterator[list[int]]:
    """Ids to load in batches: the given ones, or every id matching `where`, in id order."""
    if ids is not None:
        yield from _chunks(sorted(set(ids)))
        return
    last = 0
    while True:
        batch = list(session.scalars(sa.select(column).where(where, column > last).order_by(column).limit(BATCH)))
        if not batch:
            return
        yield batch
        last = batch[-1]


def opportunity_docs(session, ids: Iterable[int] | None = None) -> Iterator[dict]:
    """The index documents of the indexable opportunities among `ids` (all when None)."""
    o = Opportunity
    for batch in _id_batches(session, o.id, INDEXABLE_OPPORTUNITY, ids):
        codes: dict[int, list[str]] = defaultdict(list)
        for opp_id, code in session.execute(
                sa.select(OpportunityNaics.opportunity_id, OpportunityNaics.code)
                .where(OpportunityNaics.opportunity_id.in_(batch)).order_by(OpportunityNaics.code)):
            codes[opp_id].append(code)
        rows = session.execute(
            sa.select(o.id, o.title, o.description, o.reference, o.institution_id, o.set_aside, o.type,
                      o.awarded_at, o.closes_at)
            .where(o.id.in_(batch), INDEXABLE_OPPORTUNITY).order_by(o.id))
        for row in rows:
            doc = {
                "id": str(row.id), "title": row.title, "description": row.description or "",
                "reference": row.reference, "naics": " ".join(naics_prefixes(codes[row.id])),
                "naics_text": naics_titles(codes[row.id]), "institution": str(row.institution_id),
                "set_aside": row.set_aside, "type": row.type,
                "phase": "awarded" if row.awarded_at is not None else "live",
                "closes_at": _epoch(row.closes_at),
            }
            doc["sig"] = signature(doc)
            yield doc


def _principal_addresses(session, batch: list[int], on: date) -> dict[int, tuple[str | None, str]]:
    """(county key, ZIP) of each vendor's principal address in force on `on` (latest started)."""
    a = VendorAddress
    best: dict[int, tuple[tuple, str | None, str]] = {}
    for row in session.execute(
            sa.select(a.id, a.vendor_id, a.state, a.county, a.zip, a.effective_from)
            .where(a.vendor_id.in_(batch), a.kind == "principal",
                   sa.or_(a.effective_from.is_(None), a.effective_from <= on),
                   sa.or_(a.effective_to.is_(None), a.effective_to >= on))):
        key = (row.effective_from or date.min, row.id)
        if row.vendor_id not in best or key > best[row.vendor_id][0]:
            best[row.vendor_id] = (key, county_key(row.state, row.county), row.zip)
    return {vid: (county, zip_) for vid, (_, county, zip_) in best.items()}


def vendor_docs(session, ids: Iterable[int] | None = None, on: date | None = None) -> Iterator[dict]:
    """The index documents of the vendors among `ids` (all when None), as of `on` (today)."""
    on = on or today()
    v = Vendor
    for batch in _id_batches(session, v.id, sa.true(), ids):
        codes: dict[int, list[str]] = defaultdict(list)
        for vid, code in session.execute(
                sa.select(VendorNaics.vendor_id, VendorNaics.code).where(VendorNaics.vendor_id.in_(batch))
                .order_by(VendorNaics.vendor_id, VendorNaics.is_primary.desc(), VendorNaics.code)):
            codes[vid].append(code)
        certs: dict[int, set[str]] = defaultdict(set)
        for vid, type_ in session.execute(
                sa.select(Certification.vendor_id, Certification.type)
                .where(Certification.vendor_id.in_(batch), Certification.status == "verified",
                       Certification.effective_on <= on, Certification.expires_on >= on)):
            certs[vid].add(type_)
        places = _principal_addresses(session, batch, on)
        for row in session.execute(sa.select(v.id, v.legal_name, v.dba, v.capability_statement)
                                   .where(v.id.in_(batch)).order_by(v.id)):
            county, zip_ = places.get(row.id, (None, None))
            name = row.legal_name + (f" {row.dba}" if row.dba else "")
            doc = {
                "id": str(row.id), "name": name, "capability": row.capability_statement or "",
                "naics": " ".join(naics_prefixes(codes[row.id])), "naics_text": naics_titles(codes[row.id]),
                "certs": " ".join(sorted(certs[row.id])), "county": county, "zip": zip_,
                "sort_name": row.legal_name.lower()[:100].encode(),
            }
            doc = {key: value for key, value in doc.items() if value is not None}
            doc["sig"] = signature(doc)
            yield doc


LOADERS = {"opportunity": opportunity_docs, "vendor": vendor_docs}


def count_all(session) -> dict[str, int]:
    """How many documents a full reindex writes, per kind."""
    return {
        "opportunity": session.scalar(sa.select(sa.func.count()).select_from(Opportunity).where(INDEXABLE_OPPORTUNITY)) or 0,
        "vendor": session.scalar(sa.select(sa.func.count()).select_from(Vendor)) or 0,
    }


def vendors_changing_between(session, after: date, until: date) -> set[int]:
    """Vendors whose certifications or principal address start or end in (after, until]: their facts changed by date alone."""
    c, a = Certification, VendorAddress
    ids = set(session.scalars(sa.select(c.vendor_id).where(
        sa.or_(c.effective_on.between(after, until), c.expires_on.between(after, until)))))
    ids |= set(session.scalars(sa.select(a.vendor_id).where(
        sa.or_(a.effective_from.between(after, until), a.effective_to.between(after, until)))))
    return ids
