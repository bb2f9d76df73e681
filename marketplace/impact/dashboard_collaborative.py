"""Figures for the backbone's collaborative dashboard and the public summary.

Built from the same `Reports` cache and `Point`s as the institution dashboard (`dashboard.py`);
"current" is each institution's own fiscal year to date, summed for the collaborative.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa

from marketplace import clock, db
from marketplace.impact.compute import Figures
from marketplace.impact.dashboard import (
    HEADLINE,
    SHIFT_CATEGORIES,
    GoalStatus,
    Point,
    Reports,
    _categories,
    _pick,
    current_label,
    fiscal_year_labels,
    goal_status,
    quarter_labels,
    today_in,
)
from marketplace.impact.goals import list_goals
from marketplace.impact.models import Goal
from marketplace.impact.periods import fiscal_year_of
from marketplace.institutions.models import Institution


@dataclass
class InstitutionRow:
    """One institution on the collaborative dashboard: its current figures and its goal, if any."""

    institution: Institution
    current: Point
    goal: GoalStatus | None


@dataclass
class Shift:
    """Dollars shifted: (current share − baseline share) × current addressable spend."""

    category: str
    baseline: Point
    current: Point
    baseline_share: Decimal | None
    current_share: Decimal | None
    dollars: Decimal | None
    from_goal: bool


def dollars_shifted(current_share: Decimal | None, baseline_share: Decimal | None, addressable: Decimal) -> Decimal | None:
    """(current − baseline share) × current addressable spend, to the cent; None without both shares."""
    if current_share is None or baseline_share is None:
        return None
    return ((current_share - baseline_share) * addressable).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@dataclass
class CollaborativeDashboard:
    """Everything the backbone's dashboard shows."""

    today: date
    expiry_rule: str
    local_rule: str
    categories: list[str]
    category: str
    rows: list[InstitutionRow]
    current: Point
    goals: list[GoalStatus]
    shifts: list[Shift]
    quarters: list[Point]
    quarter_matrix: list[tuple[Institution, list[Point]]] = field(default_factory=list)
    years: list[Point] = field(default_factory=list)

    @property
    def goal(self) -> GoalStatus | None:
        """The collaborative goal for the selected category, if one is set."""
        return next((g for g in self.goals if g.goal.category == self.category), None)


def collaborative_current(reports: Reports, institutions: list[Institution]) -> tuple[dict[str, Point], Point]:
    """Each institution's current fiscal year to date, and their spend-weighted sum."""
    per: dict[str, Point] = {}
    reports.prefetch([current_label(inst, today_in(inst.timezone)) for inst in institutions])
    for inst in institutions:
        today = today_in(inst.timezone)
        per[inst.slug] = reports.institution(current_label(inst, today), inst.slug, today)
    if not per:
        today = clock.utcnow().date()
        return per, reports.collaborative(f"FY{today.year}", today)
    points = list(per.values())
    empty = Figures(amounts={k: Decimal("0.00") for k in points[0].figures.amounts},
                    potential={k: Decimal("0.00") for k in points[0].figures.potential})
    total = sum((p.figures for p in points), empty)
    labels = sorted({p.period for p in points})
    return per, Point("/".join(labels), True, min(p.start for p in points), max(p.end for p in points),
                      reports.get(labels[-1]).collaborative.local_rule, total)


def goal_statuses(goals: list[Goal], reports: Reports, institutions: list[Institution],
                  per: dict[str, Point], collab_current: Point) -> list[GoalStatus]:
    """Evaluate goals: an institution's against its own current year, the collaborative's against the sum."""
    today = clock.utcnow().date()
    by_id = {i.id: i for i in institutions}
    statuses = []
    for goal in goals:
        inst = by_id.get(goal.institution_id) if goal.institution_id is not None else None
        if inst is None:
            baseline = reports.collaborative(goal.baseline_period, today)
            statuses.append(goal_status(goal, "Collaborative", baseline, collab_current))
        else:
            baseline = reports.institution(goal.baseline_period, inst.slug, today_in(inst.timezone))
            statuses.append(goal_status(goal, inst.name, baseline, per[inst.slug]))
    return statuses


def _last_fiscal_year(institutions: list[Institution], today: date) -> int:
    return max((fiscal_year_of(today_in(i.timezone), i.fiscal_year_start_month) for i in institutions),
               default=today.year)


def collaborative_dashboard(category: str | None = None) -> CollaborativeDashboard:
    """Assemble the backbone's dashboard: every institution against its goal, totals, shifts, trends."""
    reports = Reports()
    today = clock.utcnow().date()
    institutions = list(db.session.scalars(sa.select(Institution).order_by(Institution.name)))
    goals = list_goals()
    collab_goals = [g for g in goals if g.institution_id is None]
    quarters = quarter_labels(today)
    years = fiscal_year_labels(_last_fiscal_year(institutions, today))
    reports.prefetch([*quarters, *years, *(g.baseline_period for g in goals),
                      *(current_label(i, today_in(i.timezone)) for i in institutions)])
    per, current = collaborative_current(reports, institutions)
    categories = _categories(reports.get(quarters[-1]), goals)
    chosen = _pick(categories, category)
    statuses = goal_statuses(goals, reports, institutions, per, current)
    collab_statuses = [s for s in statuses if s.goal.institution_id is None]
    chosen_by_inst = {s.goal.institution_id: s for s in statuses if s.goal.category == chosen}
    rows = [InstitutionRow(inst, per[inst.slug], chosen_by_inst.get(inst.id)) for inst in institutions]
    shifts = []
    for key in SHIFT_CATEGORIES:
        if key not in categories:
            continue
        goal = next((g for g in collab_goals if g.category == key), None)
        baseline = reports.collaborative(goal.baseline_period if goal else years[0], today)
        base, now = baseline.share(key), current.share(key)
        shifts.append(Shift(key, baseline, current, base, now,
                            dollars_shifted(now, base, current.figures.addressable), goal is not None))
    matrix = [(inst, [reports.institution(q, inst.slug, today) for q in quarters]) for inst in institutions]
    return CollaborativeDashboard(
        today, reports.get(quarters[-1]).expiry_rule, current.local_rule, categories, chosen, rows, current,
        collab_statuses, shifts, [reports.collaborative(q, today) for q in quarters], matrix,
        [reports.collaborative(y, today) for y in years],
    )


@dataclass
class PublicSummary:
    """The collaborative's shares for the public: no vendor, no institution line detail."""

    expiry_rule: str
    local_rule: str
    categories: list[str]
    quarters: list[Point]
    years: list[Point]
    goals: list[GoalStatus]


def public_summary() -> PublicSummary:
    """Assemble the public summary: collaborative shares per fiscal year and quarter, and its goals."""
    reports = Reports()
    today = clock.utcnow().date()
    institutions = list(db.session.scalars(sa.select(Institution)))
    goals = list_goals(collaborative=True)
    years = fiscal_year_labels(_last_fiscal_year(institutions, today))
    quarters = quarter_labels(today)
    reports.prefetch([*quarters, *years, *(g.baseline_period for g in goals),
                      *(current_label(i, today_in(i.timezone)) for i in institutions)])
    per, current = collaborative_current(reports, institutions)
    report = reports.get(quarters[-1])
    return PublicSummary(
        report.expiry_rule, report.collaborative.local_rule,
        [k for k in HEADLINE if k in {c.key for c in report.categories}],
        [reports.collaborative(q, today) for q in quarters], [reports.collaborative(y, today) for y in years],
        goal_statuses(goals, reports, institutions, per, current),
    )

