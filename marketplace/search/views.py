"""The search pages: opportunities for everyone, vendors for officers and the backbone."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from marketplace import clock
from marketplace.access import public, roles
from marketplace.models_common import OPPORTUNITY_TYPES, SET_ASIDES
from marketplace.naics import catalog
from marketplace.opportunities import lifecycle
from marketplace.opportunities import queries as opportunity_queries
from marketplace.opportunities.forms import SET_ASIDE_LABELS, TYPE_LABELS
from marketplace.search import bp, documents, service
from marketplace.search.query import OPPORTUNITY_SORTS, OPPORTUNITY_STATUSES, OpportunityQuery, VendorQuery
from marketplace.vendors.certifications import type_label
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.local import rule_for

WINDOWS = {"7": "Next 7 days", "30": "Next 30 days", "90": "Next 90 days"}
STATUS_LABELS = {"open": "Open", "closed": "Closed", "awarded": "Awarded"}
_CODE = re.compile(r"^\d{2,6}$")


def parse_naics(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Codes and prefixes (2 to 6 digits) from what was typed, and a note per part ignored."""
    codes, notes = [], []
    for part in catalog.parse_codes(text[:200]):
        if _CODE.match(part):
            codes.append(part)
        else:
            notes.append(f"The NAICS filter ignored “{part[:20]}”: use a code or the start of one (2 to 6 digits).")
    return tuple(dict.fromkeys(codes))[:10], notes


def _ints(name: str) -> tuple[int, ...]:
    return tuple(int(v) for v in request.args.getlist(name) if v.isdigit() and len(v) < 10)


def _choices(name: str, allowed) -> tuple[str, ...]:
    return tuple(v for v in dict.fromkeys(request.args.getlist(name)) if v in allowed)


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 1


def _kept(names: tuple[str, ...]) -> dict[str, list[str]]:
    """The current arguments, for pager links."""
    return {n: values for n in names if (values := [v for v in request.args.getlist(n) if v])}


def _suggestion_url(endpoint: str, kept: dict[str, list[str]], suggestion: str | None) -> str | None:
    return url_for(endpoint, **{**kept, "q": suggestion}) if suggestion else None


@bp.route("/search/opportunities")
@public
def opportunities():
    """Search opportunities by keywords and filters, with facet counts, snippets and suggestions."""
    now = clock.utcnow()
    text = request.args.get("q", "")
    naics, notes = parse_naics(request.args.get("naics", ""))
    statuses = _choices("status", OPPORTUNITY_STATUSES)
    if not statuses and not request.args.get("filtered"):
        statuses = ("open",)
    window = request.args.get("closes_within", "")
    window = window if window in WINDOWS else ""
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in OPPORTUNITY_SORTS else "relevance"
    q = OpportunityQuery(
        text=text, naics=naics, institution_ids=_ints("institution"), set_asides=_choices("set_aside", SET_ASIDES),
        types=_choices("type", OPPORTUNITY_TYPES), statuses=statuses or OPPORTUNITY_STATUSES,
        closes_after=now if window else None, closes_before=now + timedelta(days=int(window)) if window else None,
        sort=sort)
    results = service.search_opportunities(q, _page(), now=now)
    institutions = {str(i.id): i.name for i in opportunity_queries.institutions()}
    kept = _kept(("q", "naics", "status", "institution", "set_aside", "type", "closes_within", "sort", "filtered"))
    return render_template(
        "search/opportunities.html", q=q, results=results, notes=[*results.notes, *notes], now=now,
        naics_text=request.args.get("naics", "")[:200], window=window, windows=WINDOWS, sorts=OPPORTUNITY_SORTS,
        status_labels=STATUS_LABELS, set_aside_labels=SET_ASIDE_LABELS, type_labels=TYPE_LABELS,
        institutions=institutions, naics_title=catalog.title, status_of=lambda o: lifecycle.status(o, now),
        kept=kept, suggestion_url=_suggestion_url("search.opportunities", kept, results.suggestion))


def _local_rule() -> tuple[Any, str]:
    institution = current_user.institution if current_user.role == "officer" else None
    return rule_for(institution), (institution.name if institution else "the collaborative")


@bp.route("/search/vendors")
@roles("officer", "backbone")
def vendors():
    """Search vendors by keywords, NAICS, certifications, local status and county."""
    text = request.args.get("q", "")
    naics, notes = parse_naics(request.args.get("naics", ""))
    types = enabled_types()
    rule, rule_owner = _local_rule()
    counties = tuple(c for c in dict.fromkeys(request.args.getlist("county")) if "|" in c and len(c) < 120)
    q = VendorQuery(
        text=text, naics=naics, cert_types=_choices("cert", types), counties=counties,
        local_counties=tuple(documents.county_key(c.state, c.county) for c in rule.counties) if rule else None,
        local_zips=tuple(z.zip for z in rule.extra_zips) if rule else (),
        local_only=bool(request.args.get("local")) and rule is not None)
    results = service.search_vendors(q, _page())
    county_names = {key: documents.county_label(key) for key in results.facets.get("county", {})}
    county_names.update({key: documents.county_label(key) for key in counties})
    kept = _kept(("q", "naics", "cert", "local", "county"))
    return render_template(
        "search/vendors.html", q=q, results=results, notes=[*results.notes, *notes],
        naics_text=request.args.get("naics", "")[:200], types=[(t, type_label(t)) for t in types],
        rule=rule, rule_owner=rule_owner, county_names=county_names, naics_title=catalog.title,
        kept=kept, suggestion_url=_suggestion_url("search.vendors", kept, results.suggestion))
