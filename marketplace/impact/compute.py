"""The impact-purchasing computation, in SQL: numerators and denominators for one institution.

For a date range, the institution's Tier 1 spend lines are read once and each is tested for
every fact: the principal address in force on its payment date (the latest started; local when
it lies in the region), by a window over one join of the lines with their vendors' principal
addresses; and the certificates of its vendor valid on that date under the expiry rule, folded
into one bit mask of the types held verified and one of the types claimed (on PostgreSQL by a
hash join grouped by line; on SQLite, which joins by nested loops only, by an index probe per
line, its best plan). The facts are combined into
categories and summed in integer cents, so the result is exact on SQLite (which keeps
NUMERIC as floating point) and PostgreSQL alike. Nothing loops over lines in Python. Every
fact depends on the line alone, so sums over months add up exactly to sums over quarters
and fiscal years (`monthly_cents`, used by the rollups).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

import marketplace.models  # noqa: F401  (every model: spend lines refer to contracts)
from marketplace import db
from marketplace.impact.models import SpendLine
from marketplace.impact.periods import fiscal_year_segments
from marketplace.institutions.models import Institution, LocalRule, SpendCategory
from marketplace.models_common import DIVERSE_TYPES
from marketplace.vendors.local import normalize_county
from marketplace.vendors.models import Certification, VendorAddress

VERIFIED = ("verified",)
# Claims not (yet) verified: shown as "potential", never counted in the shares themselves.
CLAIMED = ("verified", "self_attested", "pending")


@dataclass(frozen=True)
class ExpiryRule:
    """How a certification's expiry counts: `strict`, `fiscal_year` or `grace_days` (with N)."""

    rule: str = "strict"
    grace_days: int = 0

    @property
    def label(self) -> str:
        """The rule as reports name it: strict, fiscal_year or grace_days=N."""
        return f"grace_days={self.grace_days}" if self.rule == "grace_days" else self.rule


@dataclass(frozen=True)
class Category:
    """A report category: whether "local" counts towards it, and which certification types do."""

    key: str
    local: bool
    types: tuple[str, ...]


def report_categories(enabled: tuple[str, ...]) -> tuple[Category, ...]:
    """The categories a report shows for these enabled types, in report order."""
    def pick(types) -> tuple[str, ...]:
        return tuple(t for t in types if t in enabled)

    categories = [Category("local", True, ())]
    if pick(("SBE",)):
        categories.append(Category("small", False, ("SBE",)))
    if pick(("MBE", "WBE")):
        categories.append(Category("mwbe", False, pick(("MBE", "WBE"))))
    if pick(DIVERSE_TYPES):
        categories.append(Category("diverse", False, pick(DIVERSE_TYPES)))
    categories.append(Category("any_impact", True, pick(("SBE", *DIVERSE_TYPES, "employee_owned"))))
    categories.extend(Category(t.lower(), False, (t,)) for t in enabled)
    return tuple(categories)


@dataclass
class Figures:
    """Exact sums (Decimal, two places) for one scope and date range."""

    total: Decimal = Decimal("0.00")
    addressable: Decimal = Decimal("0.00")
    amounts: dict[str, Decimal] = field(default_factory=dict)
    potential: dict[str, Decimal] = field(default_factory=dict)

    def share(self, key: str, *, potential: bool = False) -> Decimal:
        """Amount ÷ addressable, unrounded; zero when nothing is addressable."""
        amount = (self.potential if potential else self.amounts)[key]
        return amount / self.addressable if self.addressable else Decimal(0)

    def __add__(self, other: Figures) -> Figures:
        keys = list(dict.fromkeys([*self.amounts, *other.amounts]))
        zero = Decimal("0.00")
        return Figures(
            self.total + other.total, self.addressable + other.addressable,
            {k: self.amounts.get(k, zero) + other.amounts.get(k, zero) for k in keys},
            {k: self.potential.get(k, zero) + other.potential.get(k, zero) for k in keys},
        )


class _DateMinusDays(FunctionElement):
    """`day - n days` as a date, portable between SQLite and PostgreSQL."""

    type = sa.Date()
    inherit_cache = True


@compiles(_DateMinusDays)
def _date_minus_days_default(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} - {compiler.process(days, **kw)})"


@compiles(_DateMinusDays, "sqlite")
def _date_minus_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


def _valid_on_line_date(cert, line, expiry: ExpiryRule, segments) -> ColumnElement[bool]:
    """The certification counts for the line's payment date under the expiry rule."""
    day = line.payment_date
    if expiry.rule == "fiscal_year":
        # Valid on at least one day of the institution's fiscal year containing the payment
        # date; a range may cross a fiscal-year boundary, so each segment has its own bounds.
        return sa.or_(sa.false(), *(
            sa.and_(day.between(seg_start, seg_end), cert.effective_on <= fy_end, cert.expires_on >= fy_start)
            for seg_start, seg_end, fy_start, fy_end in segments
        ))
    if expiry.rule == "grace_days" and expiry.grace_days:
        return sa.and_(cert.effective_on <= day,
                       cert.expires_on >= _DateMinusDays(day, sa.literal(expiry.grace_days, sa.Integer)))
    return sa.and_(cert.effective_on <= day, cert.expires_on >= day)


def _certificate_mask(line, enabled: tuple[str, ...], statuses: tuple[str, ...], expiry: ExpiryRule,
                      segments) -> sa.ScalarSelect:
    """Bit i set when the line's vendor holds a certificate of `enabled[i]` in `statuses` valid for
    its date: one correlated subquery per line (SQLite, which has no hash join; see `_facts`)."""
    cert = Certification.__table__.alias("cert")
    bit = sa.case({t: 1 << i for i, t in enumerate(enabled)}, value=cert.c.type, else_=0)
    return (
        sa.select(sa.func.coalesce(sa.func.sum(sa.distinct(bit)), 0))
        .where(cert.c.vendor_id == line.vendor_id, cert.c.type.in_(enabled), cert.c.status.in_(statuses),
               _valid_on_line_date(cert.c, line, expiry, segments))
        .scalar_subquery()
    )


def _certificate_masks(lines: sa.CTE, enabled: tuple[str, ...], expiry: ExpiryRule, segments) -> sa.Subquery:
    """Per line with any: `v_mask`, bit i set when the vendor holds a verified certificate of
    `enabled[i]` valid for the line's date, and `c_mask`, the same for claimed ones (verified,
    self-attested or pending). SUM of DISTINCT powers of two is their OR."""
    cert = Certification.__table__.alias("cert")  # VERIFIED is within CLAIMED: one join reads both
    bit = sa.case({t: 1 << i for i, t in enumerate(enabled)}, value=cert.c.type, else_=0)
    verified_bit = sa.case((cert.c.status.in_(VERIFIED), bit))  # NULL (not summed) otherwise
    return (
        sa.select(lines.c.id, sa.func.sum(sa.distinct(verified_bit)).label("v_mask"),
                  sa.func.sum(sa.distinct(bit)).label("c_mask"))
        .join_from(lines, cert, sa.and_(cert.c.vendor_id == lines.c.vendor_id, cert.c.type.in_(enabled),
                                        cert.c.status.in_(CLAIMED), _valid_on_line_date(cert.c, lines.c, expiry, segments)))
        .group_by(lines.c.id)
        .subquery("masks")
    )


def _in_region(address, rule: LocalRule | None) -> ColumnElement[bool]:
    """The address lies in the rule's counties (names compared as `normalize_county` does) or ZIPs."""
    if rule is None:
        return sa.false()
    by_state: dict[str, set[str]] = {}
    for county in rule.counties:
        name = normalize_county(county.county)
        by_state.setdefault(county.state.upper(), set()).update({name, f"{name} county"})
    zips = sorted({z.zip for z in rule.extra_zips})
    county_name = sa.func.lower(sa.func.trim(address.county))
    clauses = [sa.and_(sa.func.upper(address.state) == state, county_name.in_(sorted(names)))
               for state, names in sorted(by_state.items())]
    if zips:
        clauses.append(address.zip.in_(zips))
    return sa.or_(sa.false(), *clauses)


def _with_local(lines: sa.CTE, rule: LocalRule | None) -> sa.Subquery:
    """`lines` with `local`: the principal address in force on the payment date (the latest
    started; the later row when two start together) lies in the region. One row per line."""
    if rule is None:
        return sa.select(lines, sa.false().label("local")).subquery("located")
    address = VendorAddress.__table__.alias("principal")
    a, day = address.c, lines.c.payment_date
    latest_first = sa.func.row_number().over(
        partition_by=lines.c.id,
        order_by=(sa.func.coalesce(a.effective_from, sa.literal(date.min, sa.Date)).desc(), a.id.desc()))
    ranked = (
        sa.select(lines, sa.func.coalesce(_in_region(a, rule), sa.false()).label("local"), latest_first.label("rank"))
        .select_from(lines.outerjoin(address, sa.and_(
            a.vendor_id == lines.c.vendor_id, a.kind == "principal",
            sa.or_(a.effective_from.is_(None), a.effective_from <= day),
            sa.or_(a.effective_to.is_(None), a.effective_to >= day))))
        .subquery("ranked")
    )
    return sa.select(*(c for c in ranked.c if c.name != "rank")).where(ranked.c.rank == 1).subquery("located")


def _cents(amount) -> ColumnElement[int]:
    return sa.cast(sa.func.round(amount * 100), sa.BigInteger)


def _money(cents: int | None) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2)  # exactly two places


def _facts(institution: Institution, ranges, *, expiry: ExpiryRule, enabled: tuple[str, ...],
           rule: LocalRule | None, extra=()) -> sa.CTE:
    """One row per Tier 1 line paid in any of `ranges`: its vendor, cents and each fact about it.

    Every fact depends on the line alone (its date, vendor, category), never on the range
    asked for, so sums over months add up exactly to sums over quarters and fiscal years.
    """
    line = SpendLine
    first, last = min(r[0] for r in ranges), max(r[1] for r in ranges)
    segments = fiscal_year_segments(first, last, institution.fiscal_year_start_month)
    nonaddressable = sa.exists().where(
        SpendCategory.institution_id == line.institution_id,
        sa.func.lower(SpendCategory.name) == sa.func.lower(line.category),
        SpendCategory.addressable.is_(False),
    ).correlate_except(SpendCategory)
    lines = (
        sa.select(line.id, line.vendor_id, line.payment_date, *extra, _cents(line.amount).label("cents"),
                  (~nonaddressable).label("addressable"))
        .where(line.institution_id == institution.id, line.tier == 1,
               sa.or_(*(line.payment_date.between(start, end) for start, end in ranges)))
        .cte("lines")
        .prefix_with("MATERIALIZED")  # read once, used twice
    )
    located = _with_local(lines, rule)
    columns = [*(located.c[e.name] for e in extra), located.c.vendor_id, located.c.cents, located.c.addressable,
               located.c.local]
    joined = located
    if enabled and db.session.get_bind().dialect.name == "postgresql":  # hash joins: one pass over the certificates
        masks = _certificate_masks(lines, enabled, expiry, segments)
        joined = joined.outerjoin(masks, masks.c.id == located.c.id)
        columns += [sa.func.coalesce(masks.c.v_mask, 0).label("v_mask"),
                    sa.func.coalesce(masks.c.c_mask, 0).label("c_mask")]
    elif enabled:  # SQLite joins by nested loops: an index probe per line is its best plan
        columns += [_certificate_mask(located.c, enabled, VERIFIED, expiry, segments).label("v_mask"),
                    _certificate_mask(located.c, enabled, CLAIMED, expiry, segments).label("c_mask")]
    # Materialized: each fact is read by several sums, and must not be evaluated once per use.
    return sa.select(*columns).select_from(joined).cte("facts").prefix_with("MATERIALIZED")


def _sums(facts: sa.CTE, categories: tuple[Category, ...], enabled: tuple[str, ...]) -> list:
    """SUM columns: total, addressable, then (verified, potential) for each category."""
    def qualifies(category: Category, prefix: str) -> ColumnElement[bool]:
        parts = [facts.c.local] if category.local else []
        bits = sum(1 << enabled.index(t) for t in category.types)
        if bits:
            parts.append(facts.c[f"{prefix}_mask"].op("&")(sa.literal(bits, sa.Integer)) != 0)
        return sa.or_(sa.false(), *parts)

    def total_where(condition) -> sa.Label:
        return sa.func.sum(sa.case((condition, facts.c.cents), else_=0))

    aggregates = [sa.func.sum(facts.c.cents), total_where(facts.c.addressable)]
    for category in categories:
        verified = qualifies(category, "v")
        aggregates.append(total_where(sa.and_(facts.c.addressable, verified)))
        aggregates.append(total_where(sa.and_(facts.c.addressable, qualifies(category, "c"), ~verified)))
    return aggregates


def _tune_postgresql() -> None:
    """For this transaction on PostgreSQL: no JIT (compiling the facts' many expressions costs
    more than it saves) and room to sort and hash the lines in memory rather than on disk."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))


def facts(institution: Institution, start: date, end: date, *, expiry: ExpiryRule, enabled: tuple[str, ...],
          rule: LocalRule | None) -> sa.CTE:
    """The facts about each Tier 1 line paid in [start, end] (vendor_id, cents, addressable, local,
    v_mask, c_mask), for queries that group them otherwise (the dashboard's top vendors)."""
    _tune_postgresql()
    return _facts(institution, [(start, end)], expiry=expiry, enabled=enabled, rule=rule)


def figures_from_cents(cents, categories: tuple[Category, ...]) -> Figures:
    """Figures from integer cents laid out as `_sums` orders them."""
    values = [_money(v) for v in cents]
    return Figures(
        total=values[0],
        addressable=values[1],
        amounts={c.key: values[2 + 2 * i] for i, c in enumerate(categories)},
        potential={c.key: values[3 + 2 * i] for i, c in enumerate(categories)},
    )


def institution_figures(
    institution: Institution,
    start: date,
    end: date,
    *,
    expiry: ExpiryRule,
    enabled: tuple[str, ...],
    rule: LocalRule | None,
) -> Figures:
    """Sum the institution's Tier 1 lines paid in [start, end]: total, addressable and each category.

    A category's amount counts addressable lines whose vendor qualified on the line's date
    with verified certifications; `potential` counts those that would also qualify if the
    vendor's unverified (self-attested or pending) claims were verified. Unmatched lines
    (no vendor) qualify for nothing and so count in the denominators only.
    """
    categories = report_categories(enabled)
    facts = _facts(institution, [(start, end)], expiry=expiry, enabled=enabled, rule=rule)
    _tune_postgresql()
    row = db.session.execute(sa.select(*_sums(facts, categories, enabled))).one()
    return figures_from_cents(row, categories)


def monthly_cents(
    institution: Institution,
    ranges: list[tuple[date, date]],
    *,
    expiry: ExpiryRule,
    enabled: tuple[str, ...],
    rule: LocalRule | None,
) -> dict[date, list[int]]:
    """Per calendar month (its first day) with lines in `ranges`: the cents `institution_figures` sums.

    The same facts and sums as `institution_figures`, grouped by month, in one query.
    """
    if not ranges:
        return {}
    year = sa.extract("year", SpendLine.payment_date)
    month = sa.extract("month", SpendLine.payment_date)
    facts = _facts(institution, ranges, expiry=expiry, enabled=enabled, rule=rule,
                   extra=(year.label("year"), month.label("month")))
    _tune_postgresql()
    rows = db.session.execute(
        sa.select(facts.c.year, facts.c.month, *_sums(facts, report_categories(enabled), enabled))
        .group_by(facts.c.year, facts.c.month)
    )
    return {date(int(y), int(m), 1): [int(v or 0) for v in sums] for y, m, *sums in rows}
