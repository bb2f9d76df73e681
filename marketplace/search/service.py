"""The search service the pages, saved searches and matching call: queries in, database rows out.

`search_opportunities(q, page, per_page)` and `search_vendors(q, page, per_page)` return
`Results`: ids in rank order, the rows loaded from the database in that order, the total,
facet counts, highlighted snippets, a "did you mean" suggestion and notes about the query.
When this host's index is missing or unreadable they answer from the database instead
(`used_fallback=True`), and the background applier rebuilds the index.
`opportunity_matches(q, opportunity)` tells whether one opportunity matches a query, from
its current row (not the index, which may lag a publish by a second).
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from marketplace import clock, db
from marketplace.opportunities.models import Opportunity
from marketplace.search import documents, engine, fallback, index, reader
from marketplace.search.query import OpportunityQuery, ParsedQuery, Results, VendorQuery, parse
from marketplace.search.sync import index_root
from marketplace.vendors.models import Vendor

log = logging.getLogger(__name__)
PER_PAGE = 20
MAX_PAGE = 100


def _clamp(page: int, per_page: int) -> tuple[int, int]:
    per_page = max(1, min(per_page, 100))
    return max(1, min(page, MAX_PAGE)), per_page


def _run(kind: str, run_index, run_fallback) -> tuple[engine.Hits, str | None, bool]:
    """Run on the index (retrying once on a stale snapshot); on failure run on the database."""
    root = index_root()
    for attempt in (1, 2):
        try:
            with reader.snapshot(root, kind) as snap:
                return run_index(snap), None, False
        except index.IndexUnavailable:
            break
        except Exception:  # a snapshot whose files vanished under it: reopen once, then fall back
            log.warning("search on the %s index failed (attempt %d)", kind, attempt, exc_info=True)
            reader.forget_snapshots()
    return run_fallback(), None, True


def _load(model, ids: list[int], *options) -> list:
    rows = {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))}
    return [rows[i] for i in ids if i in rows]


def _snippets(parsed: ParsedQuery, kind: str, items: list, attrs: dict[str, str]) -> dict[int, dict[str, Markup]]:
    terms = engine.highlight_terms(parsed)
    out: dict[int, dict[str, Markup]] = {}
    if not terms:
        return out
    for item in items:
        marks = {}
        for field, attr in attrs.items():
            html = engine.snippet(getattr(item, attr) or "", terms)
            if html:
                marks[field] = Markup(html)  # noqa: S704 - whoosh's HtmlFormatter escapes the text
        out[item.id] = marks
    return out


def _suggestion(kind: str, parsed: ParsedQuery, used_fallback: bool) -> str | None:
    if used_fallback or parsed.is_empty:
        return None
    try:
        with reader.snapshot(index_root(), kind) as snap:
            return engine.suggest(snap, parsed)
    except Exception:
        return None


def search_opportunities(q: OpportunityQuery, page: int = 1, per_page: int = PER_PAGE, *,
                         now: datetime | None = None, facets: bool = True) -> Results:
    """Search published opportunities; rows come from the database in rank order."""
    page, per_page = _clamp(page, per_page)
    now = now or clock.utcnow()
    parsed = parse(q.text)
    hits, _, used_fallback = _run(
        "opportunity",
        lambda snap: engine.search_opportunities(snap, parsed, q, now=int(now.timestamp()), page=page,
                                                 per_page=per_page, facets=facets),
        lambda: fallback.search_opportunities(parsed, q, now=now, page=page, per_page=per_page))
    items = _load(Opportunity, hits.ids, selectinload(Opportunity.institution), selectinload(Opportunity.naics_codes))
    # The database is the truth: a row cancelled a moment ago is not shown even if the index lags.
    items = [o for o in items if o.published_at is not None and o.cancelled_at is None and o.no_award_at is None]
    return Results(ids=[o.id for o in items], total=hits.total, page=page, per_page=per_page, items=items,
                   facets=hits.facets, highlights=_snippets(parsed, "opportunity", items,
                                                            {"title": "title", "description": "description"}),
                   suggestion=_suggestion("opportunity", parsed, used_fallback), notes=parsed.notes,
                   used_fallback=used_fallback)


def search_vendors(q: VendorQuery, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """Search vendor businesses; rows come from the database in rank order."""
    page, per_page = _clamp(page, per_page)
    parsed = parse(q.text)
    hits, _, used_fallback = _run(
        "vendor",
        lambda snap: engine.search_vendors(snap, parsed, q, page=page, per_page=per_page),
        lambda: fallback.search_vendors(parsed, q, page=page, per_page=per_page))
    items = _load(Vendor, hits.ids, selectinload(Vendor.naics_codes))
    return Results(ids=[v.id for v in items], total=hits.total, page=page, per_page=per_page, items=items,
                   facets=hits.facets, highlights=_snippets(parsed, "vendor", items,
                                                            {"name": "legal_name", "capability": "capability_statement"}),
                   suggestion=_suggestion("vendor", parsed, used_fallback), notes=parsed.notes,
                   used_fallback=used_fallback)


def opportunity_matches(q: OpportunityQuery, opportunity: Opportunity, *, now: datetime | None = None) -> bool:
    """Whether one opportunity matches a query now (keywords and every filter), from its current row."""
    now = now or clock.utcnow()
    doc = next(documents.opportunity_docs(db.session, [opportunity.id]), None)
    if doc is None:
        return False
    return engine.doc_matches(parse(q.text), doc) and fallback.opportunity_doc_passes(q, doc, now)
