"""Searching the database directly, for when this host's index is missing, rebuilding or unreadable.

Slower and plainer than the index (words are matched as substrings, without stemming or
ranking; results are ordered by closing time or name; no facets), but it answers with the
same filters, so the search pages keep working while the index is rebuilt.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace import db
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity, OpportunityNaics
from marketplace.search import documents
from marketplace.search.engine import Hits
from marketplace.search.query import Clause, OpportunityQuery, ParsedQuery, VendorQuery
from marketplace.vendors.models import Certification, Vendor, VendorNaics


def _contains(columns, clause: Clause) -> sa.ColumnElement[bool]:
    text = clause.text.lower()
    return sa.or_(*(sa.func.lower(sa.func.coalesce(c, "")).contains(text, autoescape=True) for c in columns))


def _text_condition(columns, parsed: ParsedQuery) -> sa.ColumnElement[bool]:
    conditions = [sa.or_(*(_contains(columns, c) for c in group)) for group in parsed.groups]
    conditions += [sa.not_(_contains(columns, c)) for c in parsed.excluded]
    return sa.and_(sa.true(), *conditions)


def _naics_condition(column, values: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.or_(*(column == v if len(v) == 6 else column.startswith(v) for v in values))


def _page(stmt: sa.Select, page: int, per_page: int) -> tuple[list[int], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ids = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return ids, total


def search_opportunities(parsed: ParsedQuery, q: OpportunityQuery, *, now: datetime, page: int,
                         per_page: int) -> Hits:
    """Opportunity ids from SQL alone, ordered by closing time."""
    o = Opportunity
    stmt = sa.select(o.id).where(documents.INDEXABLE_OPPORTUNITY,
                                 _text_condition((o.title, o.description, o.reference), parsed))
    if q.naics:
        stmt = stmt.where(sa.exists().where(OpportunityNaics.opportunity_id == o.id,
                                            _naics_condition(OpportunityNaics.code, q.naics)))
    if q.institution_ids:
        stmt = stmt.where(o.institution_id.in_(q.institution_ids))
    if q.set_asides:
        stmt = stmt.where(o.set_aside.in_(q.set_asides))
    if q.types:
        stmt = stmt.where(o.type.in_(q.types))
    stmt = stmt.where(sa.or_(*(lifecycle.status_filter(s, now) for s in (q.statuses or ("open", "closed", "awarded")))))
    if q.closes_after:
        stmt = stmt.where(o.closes_at > q.closes_after)
    if q.closes_before:
        stmt = stmt.where(o.closes_at <= q.closes_before)
    order = o.closes_at.desc() if q.sort == "closing_desc" else o.closes_at.asc()
    ids, total = _page(stmt.order_by(order, o.id), page, per_page)
    return Hits(ids, total, {})


def search_vendors(parsed: ParsedQuery, q: VendorQuery, *, page: int, per_page: int) -> Hits:
    """Vendor ids from SQL alone (place filters applied in Python), ordered by name."""
    v = Vendor
    stmt = sa.select(v.id).where(_text_condition((v.legal_name, v.dba, v.capability_statement), parsed))
    if q.naics:
        stmt = stmt.where(sa.exists().where(VendorNaics.vendor_id == v.id, _naics_condition(VendorNaics.code, q.naics)))
    if q.cert_types:
        today = documents.today()
        stmt = stmt.where(sa.exists().where(
            Certification.vendor_id == v.id, Certification.type.in_(q.cert_types),
            Certification.status == "verified", Certification.effective_on <= today, Certification.expires_on >= today))
    stmt = stmt.order_by(sa.func.lower(v.legal_name), v.id)
    if not q.counties and not (q.local_only and q.local_counties is not None):
        ids, total = _page(stmt, page, per_page)
        return Hits(ids, total, {})
    candidates = list(db.session.scalars(stmt))
    places: dict[int, tuple[str | None, str]] = {}
    today = documents.today()
    for start in range(0, len(candidates), documents.BATCH):
        places.update(documents._principal_addresses(db.session, candidates[start:start + documents.BATCH], today))
    local_counties, local_zips = set(q.local_counties or ()), set(q.local_zips)

    def keep(vendor_id: int) -> bool:
        county, zip_ = places.get(vendor_id, (None, None))
        if q.counties and county not in q.counties:
            return False
        if q.local_only and q.local_counties is not None:
            return county in local_counties or zip_ in local_zips
        return True

    kept = [i for i in candidates if keep(i)]
    start = (page - 1) * per_page
    return Hits(kept[start:start + per_page], len(kept), {})


def opportunity_doc_passes(q: OpportunityQuery, doc: dict, now: datetime) -> bool:
    """Whether an opportunity's index document passes a query's filters at `now` (keywords aside)."""
    codes = set(doc["naics"].split())
    if q.naics and not codes & set(q.naics):
        return False
    if q.institution_ids and int(doc["institution"]) not in q.institution_ids:
        return False
    if q.set_asides and doc["set_aside"] not in q.set_asides:
        return False
    if q.types and doc["type"] not in q.types:
        return False
    closes = doc["closes_at"]
    status = "awarded" if doc["phase"] == "awarded" else ("open" if closes > now.timestamp() else "closed")
    if q.statuses and status not in q.statuses:
        return False
    if q.closes_after and closes <= q.closes_after.timestamp():
        return False
    return not (q.closes_before and closes > q.closes_before.timestamp())
