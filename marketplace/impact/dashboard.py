"""Figures for the impact pages, assembled from `compute_report` (never recomputed here).

"Current" everywhere means each institution's own fiscal year containing today, to date
(labelled "to date"); for the collaborative it is the sum of every institution's current
fiscal year (Σ numerators ÷ Σ denominators). Quarters are calendar quarters, the last eight
including the one in progress; fiscal years the last three, including the one in progress.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from marketplace import clock, db
from marketplace.impact import compute
from marketplace.impact.compute import Figures
from marketplace.impact.goals import list_goals, progress, target_share
from marketplace.impact.models import Goal, SpendLine
from marketplace.impact.periods import fiscal_year_of, parse_period
from marketplace.impact import report as reports_module
from marketplace.impact.report import Report, compute_report, expiry_rule_in_force
from marketplace.impact.services import OPEN_STATUSES
from marketplace.institutions.models import Collaborative, Institution
from marketplace.models_common import DIVERSE_TYPES
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.models import Vendor

HEADLINE = ("local", "small", "mwbe", "diverse", "any_impact")
SHIFT_CATEGORIES = ("local", "mwbe")
QUARTERS = 8
FISCAL_YEARS = 3
TOP_VENDORS = 10
DENOMINATOR = ("addressable spend: every Tier 1 payment and credit in the period, less the institution's "
               "non-addressable categories; unmatched payees count here only")


def today_in(timezone: str) -> date:
    """Today's date in `timezone`, from the one clock."""
    return clock.utcnow().astimezone(ZoneInfo(timezone)).date()


def quarter_labels(today: date, count: int = QUARTERS) -> list[str]:
    """The last `count` calendar quarters, oldest first, ending with the one containing `today`."""
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index - count + 1, index + 1)]


def fiscal_year_labels(last: int, count: int = FISCAL_YEARS) -> list[str]:
    """FY labels ending with FY`last`, oldest first."""
    return [f"FY{year}" for year in range(last - count + 1, last + 1)]


def current_label(institution: Institution, today: date) -> str:
    """The institution's fiscal year containing `today`."""
    return f"FY{fiscal_year_of(today, institution.fiscal_year_start_month)}"


@dataclass
class Point:
    """One scope's figures for one period, as a chart bar and a table row."""

    period: str
    to_date: bool
    start: date
    end: date
    local_rule: str
    figures: Figures

    def share(self, key: str) -> Decimal | None:
        """The category's share of addressable spend; None when nothing is addressable."""
        if not self.figures.addressable or key not in self.figures.amounts:
            return None
        return self.figures.share(key)

    def amount(self, key: str) -> Decimal:
        """The category's addressable amount."""
        return self.figures.amounts.get(key, Decimal("0.00"))


class Reports:
    """`compute_report` memoised per period for one page."""

    def __init__(self, slugs: list[str] | None = None):
        self.slugs = slugs
        self._cache: dict[str, Report] = {}

    def prefetch(self, periods: list[str]) -> None:
        """Compute every period not cached yet, in one batch."""
        missing = list(dict.fromkeys(parse_period(p).label for p in periods if parse_period(p).label not in self._cache))
        if missing:
            # One batch read of the monthly rollups where `compute_reports` exists (the rollups' API),
            # one `compute_report` per period otherwise: the figures are the same.
            batch = getattr(reports_module, "compute_reports", None)
            computed = batch(missing, self.slugs) if batch else [compute_report(p, self.slugs) for p in missing]
            self._cache.update(zip(missing, computed, strict=True))

    def get(self, period: str) -> Report:
        """The report for `period` (computed once)."""
        self.prefetch([period])
        return self._cache[parse_period(period).label]

    def institution(self, period: str, slug: str, today: date) -> Point:
        """An institution's point for `period`."""
        report = self.get(period)
        scope = next(s for s in report.institutions if s.slug == slug)
        return Point(report.period, scope.period_end >= today, scope.period_start, scope.period_end,
                     scope.local_rule, scope.figures)

    def collaborative(self, period: str, today: date) -> Point:
        """The collaborative's point for `period` (Σ numerators ÷ Σ denominators)."""
        report = self.get(period)
        scope = report.collaborative
        return Point(report.period, scope.period_end >= today, scope.period_start, scope.period_end,
                     scope.local_rule, scope.figures)


@dataclass
class GoalStatus:
    """A goal with its baseline, current and target shares and its progress."""

    goal: Goal
    scope: str
    baseline: Point
    current: Point
    baseline_share: Decimal | None
    current_share: Decimal | None
    target_share: Decimal | None
    progress: Decimal | None

    @property
    def note(self) -> str:
        """Why progress is n/a, if it is."""
        if self.baseline_share is None:
            return f"no addressable spend in {self.baseline.period}"
        if self.current_share is None:
            return f"no addressable spend in {self.current.period}"
        if self.progress is None:
            return "the target equals the baseline"
        return ""


def goal_status(goal: Goal, scope: str, baseline: Point, current: Point) -> GoalStatus:
    """Evaluate a goal from its baseline and current points."""
    base = baseline.share(goal.category)
    now = current.share(goal.category)
    target = target_share(goal, base)
    return GoalStatus(goal, scope, baseline, current, base, now, target, progress(now, base, target))


def _categories(report: Report, goals: list[Goal]) -> list[str]:
    keys = [c.key for c in report.categories]
    shown = [k for k in HEADLINE if k in keys]
    return shown + [g.category for g in goals if g.category in keys and g.category not in shown]


def _pick(categories: list[str], wanted: str | None) -> str:
    return wanted if wanted in categories else categories[0]


@dataclass
class VendorRow:
    """A vendor's qualifying addressable spend in the period."""

    vendor_id: int
    name: str
    amount: Decimal


def top_vendors(institution: Institution, start: date, end: date, kind: str, limit: int = TOP_VENDORS) -> list[VendorRow]:
    """The vendors with the most addressable Tier 1 spend that qualified as `kind` (local or diverse) on the line's date.

    Grouped by vendor from the computation's own facts (verified certifications, the expiry
    rule in force, the principal address in force on the payment date), in one query.
    """
    collab = db.session.scalar(sa.select(Collaborative).order_by(Collaborative.id).limit(1))
    rule = institution.local_rule or (collab.local_rule if collab else None)
    enabled = enabled_types()
    facts = compute.facts(institution, start, end, expiry=expiry_rule_in_force(), enabled=enabled, rule=rule)
    if kind == "local":
        qualifies = facts.c.local
    else:
        bits = sum(1 << i for i, t in enumerate(enabled) if t in DIVERSE_TYPES)
        if not bits:
            return []
        qualifies = facts.c.v_mask.op("&")(sa.literal(bits, sa.Integer)) != 0
    cents = sa.func.sum(facts.c.cents).label("cents")
    rows = db.session.execute(
        sa.select(Vendor.id, Vendor.legal_name, cents)
        .join_from(facts, Vendor, Vendor.id == facts.c.vendor_id)
        .where(facts.c.addressable, qualifies)
        .group_by(Vendor.id, Vendor.legal_name)
        .order_by(cents.desc(), Vendor.legal_name, Vendor.id)
        .limit(limit)
    ).all()
    return [VendorRow(r.id, r.legal_name, compute._money(r.cents)) for r in rows]


def unmatched_summary(institution_id: int) -> tuple[int, Decimal]:
    """How many of the institution's lines await a vendor link, and their total amount."""
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(compute._cents(SpendLine.amount)), 0))
        .where(SpendLine.institution_id == institution_id, SpendLine.vendor_id.is_(None),
               SpendLine.match_status.in_(OPEN_STATUSES))
    ).one()
    return int(count), compute._money(total)


@dataclass
class InstitutionDashboard:
    """Everything the officer's dashboard shows for one institution."""

    institution: Institution
    today: date
    expiry_rule: str
    categories: list[str]
    category: str
    quarters: list[Point]
    years: list[Point]
    current: Point
    goals: list[GoalStatus]
    top_local: list[VendorRow]
    top_diverse: list[VendorRow]
    unmatched_count: int
    unmatched_amount: Decimal

    @property
    def goal(self) -> GoalStatus | None:
        """The goal for the selected category, if one is set."""
        return next((g for g in self.goals if g.goal.category == self.category), None)


def institution_dashboard(institution: Institution, category: str | None = None) -> InstitutionDashboard:
    """Assemble the officer's dashboard for `institution` (and only it)."""
    reports = Reports([institution.slug])
    today = today_in(institution.timezone)
    label = current_label(institution, today)
    goals = list_goals(institution_id=institution.id)
    last_fy = fiscal_year_of(today, institution.fiscal_year_start_month)
    reports.prefetch([*quarter_labels(today), *fiscal_year_labels(last_fy), *(g.baseline_period for g in goals)])
    current = reports.institution(label, institution.slug, today)
    statuses = [goal_status(g, institution.name, reports.institution(g.baseline_period, institution.slug, today), current)
                for g in goals]
    categories = _categories(reports.get(label), goals)
    count, amount = unmatched_summary(institution.id)
    return InstitutionDashboard(
        institution, today, reports.get(label).expiry_rule, categories, _pick(categories, category),
        [reports.institution(q, institution.slug, today) for q in quarter_labels(today)],
        [reports.institution(y, institution.slug, today) for y in fiscal_year_labels(last_fy)],
        current, statuses,
        top_vendors(institution, current.start, current.end, "local"),
        top_vendors(institution, current.start, current.end, "diverse"),
        count, amount,
    )
