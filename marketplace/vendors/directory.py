"""The vendor directory: every filter, the sort, the count and the paging run in SQL.

"Local" is evaluated in SQL too: the vendor's current principal address (the one in force
today, the latest started when several overlap, as `local.principal_address_on` picks it) is
joined to the rule's counties (state and county compared case-insensitively, with or without
the word "County") and extra ZIPs. Rows for a page are loaded with `selectinload`, so a page
costs a fixed number of queries whatever its size.
"""
from __future__ import annotations

import math
from functools import cache
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from marketplace import clock, db
from marketplace.pagination import Paginated
from marketplace.auth.registration import normalize_business_name
from marketplace.errors import DomainError
from marketplace.institutions import region
from marketplace.institutions.models import Institution, LocalRule, LocalRuleCounty, LocalRuleZip
from marketplace.naics import catalog
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.local import rule_for
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

PER_PAGE = 25
EXPORT_CHUNK = 500
DEFAULT_TIMEZONE = "America/New_York"
SORTS = {"name": "Name, A to Z", "newest": "Newest first", "county": "County, then name"}
ANY_TYPE = "any"
UNVERIFIED_STATUSES = ("self_attested", "pending")
MAX_TEXT = 200


@cache
def _current() -> type[VendorAddress]:
    """The current principal address, aliased so it can be selected next to the vendor.

    Made on first use: aliasing configures the mappers, which must wait until every model is imported.
    """
    return aliased(VendorAddress, name="current_address")


class FilterError(DomainError):
    """A filter value the directory cannot use; the page says which and why."""

    status_code = 400


@dataclass(frozen=True)
class NaicsFilter:
    """A NAICS filter as typed, and what it resolved to: exact codes or a code prefix."""

    text: str
    codes: tuple[str, ...] = ()
    prefix: str | None = None

    def describe(self) -> str:
        """The filter in words, for the page ("NAICS 5617…: Services to Buildings and Dwellings")."""
        if self.prefix:
            return f"NAICS codes starting {self.prefix} ({catalog.title(self.prefix) or 'industry group'})"
        shown = ", ".join(f"{c} {catalog.title(c)}" for c in self.codes[:5])
        more = f" and {len(self.codes) - 5} more" if len(self.codes) > 5 else ""
        return f"NAICS {shown}{more}"


@dataclass(frozen=True)
class DirectoryQuery:
    """A validated directory search."""

    today: date
    rule: LocalRule | None = None
    rule_institution: Institution | None = None
    naics: NaicsFilter | None = None
    types: tuple[str, ...] = ()
    include_unverified: bool = False
    local_only: bool = False
    county: tuple[str, str] | None = None
    keyword: str = ""
    sort: str = "name"
    page: int = 1

    @property
    def statuses(self) -> tuple[str, ...]:
        """The certification statuses that count: verified, plus claims when asked."""
        return ("verified", *UNVERIFIED_STATUSES) if self.include_unverified else ("verified",)


@dataclass
class DirectoryRow:
    """One vendor as the directory shows it."""

    vendor: Vendor
    city: str | None
    state: str | None
    county: str | None
    is_local: bool | None
    naics: list[tuple[str, str, bool]] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)


@dataclass
class DirectoryPage(Paginated):
    """One page of results and the total count."""

    rows: list[DirectoryRow]
    total: int
    page: int
    per_page: int = PER_PAGE


def today_in(tz: str | None) -> date:
    """Today's date in `tz` (America/New_York when not given), from the one clock."""
    return clock.utcnow().astimezone(ZoneInfo(tz or DEFAULT_TIMEZONE)).date()


def institution_choices() -> list[Institution]:
    """The institutions a backbone user may pick a local rule from."""
    return list(db.session.scalars(sa.select(Institution).order_by(Institution.name)))


def county_choices() -> list[tuple[str, str]]:
    """The (state, county) pairs of vendors' principal addresses, for the county filter."""
    rows = db.session.execute(
        sa.select(VendorAddress.state, VendorAddress.county).distinct()
        .where(VendorAddress.kind == "principal", VendorAddress.county.is_not(None))
        .order_by(VendorAddress.state, VendorAddress.county))
    return [(state, county) for state, county in rows]


def parse_naics(text: str) -> NaicsFilter:
    """Read a code, a code prefix like 5617, or title words resolved through the catalog."""
    text = " ".join(text.split())[:MAX_TEXT]
    compact = text.replace(" ", "")
    if compact.isdigit():
        if len(compact) == 6:
            if not catalog.is_valid(compact):
                raise FilterError("Check the NAICS filter.", {"naics": [
                    f"{compact} is not a NAICS 2022 industry code."]})
            return NaicsFilter(text, codes=(compact,))
        if 2 <= len(compact) < 6 and any(code.startswith(compact) for code in catalog.codes()):
            return NaicsFilter(text, prefix=compact)
        raise FilterError("Check the NAICS filter.", {"naics": [
            f"No NAICS 2022 industry code starts with {compact}."]})
    found = catalog.search(text, limit=len(catalog.codes()))
    if not found:
        raise FilterError("Check the NAICS filter.", {"naics": [
            f"No NAICS 2022 industry matches “{text}”. Try another word or a code such as 561720."]})
    return NaicsFilter(text, codes=tuple(code for code, _ in found))


def _parse_page(raw: str | None) -> int:
    raw = (raw or "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise FilterError("Check the page number.", {"page": [f"“{raw}” is not a page number; pages start at 1."]})
    return int(raw)


def _parse_types(values: list[str]) -> tuple[str, ...]:
    enabled = enabled_types()
    chosen: list[str] = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        if value != ANY_TYPE and value not in enabled:
            raise FilterError("Check the certification filter.", {"type": [
                f"“{value[:40]}” is not a certification type this collaborative uses."]})
        chosen.append(value)
    return tuple(dict.fromkeys(chosen))


def _parse_rule(args: Mapping, officer_institution: Institution | None) -> Institution | None:
    """The institution whose rule decides "local": the officer's own, or the one a backbone user chose."""
    if officer_institution is not None:
        return officer_institution
    raw = (args.get("institution") or "").strip()
    if not raw:
        return None
    institution = db.session.get(Institution, int(raw)) if raw.isdigit() else None
    if institution is None:
        raise FilterError("Check the institution.", {"institution": [
            "Choose an institution from the list, or the collaborative's region."]})
    return institution


def parse_filters(args: Mapping, *, officer_institution: Institution | None = None) -> DirectoryQuery:
    """Validate the query string into a `DirectoryQuery`; raise FilterError naming every bad value."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    parsers = {
        "page": lambda: _parse_page(args.get("page")),
        "naics": lambda: parse_naics(args.get("naics", "")) if (args.get("naics") or "").strip() else None,
        "type": lambda: _parse_types(args.getlist("type") if hasattr(args, "getlist") else [args.get("type", "")]),
        "county": lambda: region.parse_county(args["county"]) if (args.get("county") or "").strip() else None,
        "institution": lambda: _parse_rule(args, officer_institution),
    }
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except DomainError as error:  # FilterError, and parse_county's DomainError
            errors.setdefault(name, []).extend(error.errors.get(name) or [error.message])
    sort = (args.get("sort") or "name").strip()
    if sort not in SORTS:
        errors["sort"] = ["Sort by name, newest or county."]
    keyword = " ".join((args.get("q") or "").split())
    if len(keyword) > MAX_TEXT:
        errors["q"] = [f"Keep the name search under {MAX_TEXT} characters."]
    institution = values.get("institution")
    rule = rule_for(institution) if "institution" in values else None
    local_only = (args.get("local") or "") in ("1", "on", "yes", "true")
    if local_only and rule is None and "institution" not in errors:
        errors["local"] = ["The collaborative's region has not been defined yet, so nobody is local."]
    if errors:
        raise FilterError("Some filters could not be used.", errors)
    return DirectoryQuery(
        today=today_in(institution.timezone if institution else None), rule=rule,
        rule_institution=institution, naics=values["naics"], types=values["type"],
        include_unverified=(args.get("unverified") or "") in ("1", "on", "yes", "true"),
        local_only=local_only, county=values["county"], keyword=keyword, sort=sort, page=values["page"])


# --- SQL ------------------------------------------------------------------------------------


def _county_matches(state: sa.ColumnElement, county: sa.ColumnElement, want_state, want_county) -> sa.ColumnElement:
    """Same state and county, case-insensitively, tolerating a missing " County" on either side."""
    have, want = sa.func.lower(sa.func.trim(county)), sa.func.lower(sa.func.trim(want_county))
    return sa.and_(
        sa.func.upper(state) == sa.func.upper(want_state),
        sa.or_(have == want, have == want.concat(" county"), have.concat(" county") == want),
    )


def _current_address_id(today: date) -> sa.ScalarSelect:
    """The id of the principal address in force today (the latest started; no start date = earliest)."""
    a = aliased(VendorAddress)
    return (
        sa.select(a.id)
        .where(a.vendor_id == Vendor.id, a.kind == "principal",
               sa.or_(a.effective_from.is_(None), a.effective_from <= today),
               sa.or_(a.effective_to.is_(None), a.effective_to >= today))
        .order_by(sa.case((a.effective_from.is_(None), 1), else_=0), a.effective_from.desc(), a.id.desc())
        .limit(1)
        .correlate(Vendor)
        .scalar_subquery()
    )


def local_condition(rule: LocalRule) -> sa.ColumnElement[bool]:
    """True when the current principal address (`_current()`) lies in the rule's counties or extra ZIPs."""
    Current = _current()  # noqa: N806
    c = aliased(LocalRuleCounty)
    in_county = sa.exists().where(c.rule_id == rule.id, _county_matches(Current.state, Current.county, c.state, c.county))
    in_zip = Current.zip.in_(sa.select(LocalRuleZip.zip).where(LocalRuleZip.rule_id == rule.id))
    return sa.and_(Current.id.is_not(None), sa.or_(in_zip, in_county))


def _certification_condition(q: DirectoryQuery) -> sa.ColumnElement[bool]:
    types = enabled_types() if ANY_TYPE in q.types else q.types
    return sa.exists().where(
        Certification.vendor_id == Vendor.id, Certification.type.in_(types),
        Certification.status.in_(q.statuses),
        Certification.effective_on <= q.today, Certification.expires_on >= q.today)


def _naics_condition(naics: NaicsFilter) -> sa.ColumnElement[bool]:
    match = VendorNaics.code.startswith(naics.prefix) if naics.prefix else VendorNaics.code.in_(naics.codes)
    return sa.exists().where(VendorNaics.vendor_id == Vendor.id, match)


def _keyword_condition(keyword: str) -> sa.ColumnElement[bool]:
    lowered = keyword.lower()
    conditions = [sa.func.lower(Vendor.legal_name).contains(lowered, autoescape=True),
                  sa.func.lower(Vendor.dba).contains(lowered, autoescape=True)]
    normalized = normalize_business_name(keyword)
    if normalized:
        conditions.append(Vendor.normalized_name.contains(normalized, autoescape=True))
    return sa.or_(*conditions)


def statement(q: DirectoryQuery, *, ids_only: bool = False) -> sa.Select:
    """The filtered, sorted select of (Vendor, city, state, county, is_local), or of ids; no paging."""
    Current = _current()  # noqa: N806
    is_local = sa.case((local_condition(q.rule), sa.true()), else_=sa.false()) if q.rule else sa.null()
    columns = (Vendor.id,) if ids_only else (Vendor, Current.city, Current.state, Current.county,
                                                       is_local.label("is_local"))
    stmt = (sa.select(*columns).select_from(Vendor)
            .outerjoin(Current, Current.id == _current_address_id(q.today)))
    if q.naics:
        stmt = stmt.where(_naics_condition(q.naics))
    if q.types:
        stmt = stmt.where(_certification_condition(q))
    if q.local_only and q.rule:
        stmt = stmt.where(local_condition(q.rule))
    if q.county:
        stmt = stmt.where(_county_matches(Current.state, Current.county, sa.literal(q.county[0]), sa.literal(q.county[1])))
    if q.keyword:
        stmt = stmt.where(_keyword_condition(q.keyword))
    name = sa.func.lower(Vendor.legal_name)
    order = {
        "name": (name, Vendor.id),
        "newest": (Vendor.created_at.desc(), Vendor.id.desc()),
        "county": (sa.case((Current.county.is_(None), 1), else_=0), Current.state,
                   sa.func.lower(Current.county), name, Vendor.id),
    }[q.sort]
    return stmt.order_by(*order)


def _row(q: DirectoryQuery, enabled: set[str], vendor: Vendor, city: str | None, state: str | None,
         county: str | None, is_local: bool | None) -> DirectoryRow:
    naics = sorted(vendor.naics_codes, key=lambda n: (not n.is_primary, n.code))
    certifications = [
        c for c in vendor.certifications
        if c.type in enabled and c.status in q.statuses and c.effective_on <= q.today <= c.expires_on
    ]
    certifications.sort(key=lambda c: (c.status != "verified", c.type))
    return DirectoryRow(vendor, city, state, county, None if is_local is None else bool(is_local),
                        [(n.code, catalog.title(n.code) or "", n.is_primary) for n in naics], certifications)


def _load() -> tuple:
    """Load the page's NAICS codes and certifications in one query each (no N+1)."""
    return selectinload(Vendor.naics_codes), selectinload(Vendor.certifications)


def search(q: DirectoryQuery) -> DirectoryPage:
    """One page of the directory; a page past the end shows the last page."""
    stmt = statement(q)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = min(q.page, max(1, math.ceil(total / PER_PAGE)))
    rows = db.session.execute(stmt.options(*_load()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    enabled = set(enabled_types())
    return DirectoryPage([_row(q, enabled, *row) for row in rows], total, page)


def iter_rows(q: DirectoryQuery, chunk: int = EXPORT_CHUNK) -> Iterator[DirectoryRow]:
    """Every matching vendor in order, loaded a chunk at a time (for the CSV export)."""
    stmt, enabled = statement(q), set(enabled_types())
    ids = list(db.session.scalars(statement(q, ids_only=True)))
    # The ordered id list comes from one query; each chunk then loads its vendors in page order.
    for start in range(0, len(ids), chunk):
        wanted = ids[start:start + chunk]
        rows = db.session.execute(stmt.where(Vendor.id.in_(wanted)).options(*_load())).all()
        yield from (_row(q, enabled, *row) for row in rows)
