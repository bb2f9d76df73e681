"""Dashboard assembly: the figures are compute_report's, the progress and dollars shifted are hand-computed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marketplace.impact import dashboard, dashboard_collaborative, goals
from marketplace.impact.goals import GoalInput
from marketplace.impact.report import compute_report
from tests.impact import dashboard_data
from tests.impact.dashboard_data import TODAY


@pytest.fixture
def ledger(institution, make_institution, vendor, frozen_clock):
    frozen_clock(TODAY)
    return dashboard_data.build(institution, make_institution, vendor)


@pytest.fixture
def backbone(make_user):
    return make_user("backbone")


def _goal(backbone, institution_id, category="local", **fields):
    values = dict(institution_id=institution_id, category=category, baseline_period="FY2025", target_kind="share",
                  target_value="30", target_date=date(2027, 6, 30))
    values.update(fields)
    return goals.create_goal(GoalInput(**values), actor=backbone)


def test_quarters_are_the_last_eight_ending_with_the_one_in_progress():
    assert dashboard.quarter_labels(date(2025, 11, 15)) == [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert dashboard.quarter_labels(date(2026, 1, 1))[-2:] == ["2025Q4", "2026Q1"]


def test_institution_dashboard_figures_are_compute_reports(ledger):
    data = dashboard.institution_dashboard(ledger.general)
    assert [p.period for p in data.years] == ["FY2024", "FY2025", "FY2026"]
    assert [p.to_date for p in data.years] == [False, False, True]
    assert data.quarters[-1].period == "2025Q4" and data.quarters[-1].to_date
    for point in [*data.quarters, *data.years]:
        (scope,) = compute_report(point.period, ["general"]).institutions
        assert point.figures == scope.figures and (point.start, point.end) == (scope.period_start, scope.period_end)
    assert data.current.period == "FY2026"
    assert data.current.figures.addressable == Decimal("1250.00")
    assert data.current.share("local") == Decimal("0.24")
    assert data.current.share("mwbe") == Decimal("0.16")


def test_institution_goal_progress_is_hand_computed(ledger, backbone):
    _goal(backbone, ledger.general.id)
    (status,) = dashboard.institution_dashboard(ledger.general).goals
    # baseline FY2025 10%, target 30%, current FY2026 to date 24%: (0.24 − 0.10) ÷ (0.30 − 0.10) = 0.7
    assert (status.baseline_share, status.target_share, status.current_share) == (
        Decimal("0.1"), Decimal("0.3"), Decimal("0.24"))
    assert status.progress == Decimal("0.7")


def test_multiple_goal_on_a_zero_baseline_has_no_progress(ledger, backbone):
    _goal(backbone, ledger.general.id, category="mwbe", target_kind="multiple", target_value="2")
    (status,) = dashboard.institution_dashboard(ledger.general).goals
    assert status.baseline_share == 0 and status.target_share == 0
    assert status.progress is None and status.note == "the target equals the baseline"


def test_top_vendors_are_those_that_qualified_by_addressable_spend(ledger):
    data = dashboard.institution_dashboard(ledger.general)
    assert [(v.name, v.amount) for v in data.top_local] == [("Broward Supply LLC", Decimal("300.00"))]
    assert [(v.name, v.amount) for v in data.top_diverse] == [("Miami MBE Co", Decimal("200.00"))]


def test_unmatched_lines_are_counted_for_the_queue(ledger):
    data = dashboard.institution_dashboard(ledger.general)
    assert (data.unmatched_count, data.unmatched_amount) == (1, Decimal("250.00"))


def test_collaborative_totals_are_spend_weighted_not_averaged(ledger):
    data = dashboard_collaborative.collaborative_dashboard()
    assert data.current.figures == compute_report("FY2026").collaborative.figures
    assert data.current.share("local") == Decimal("0.2")  # 400 ÷ 2000, not (24% + 13.33%) ÷ 2
    rows = {r.institution.slug: r for r in data.rows}
    assert rows["other"].current.share("local") == Decimal(100) / Decimal(750)
    for point in data.quarters:
        assert point.figures == compute_report(point.period).collaborative.figures


def test_dollars_shifted_is_share_gain_times_current_addressable(ledger, backbone):
    _goal(backbone, None, target_value="25")
    data = dashboard_collaborative.collaborative_dashboard()
    local = next(s for s in data.shifts if s.category == "local")
    # (0.20 − 0.05) × 2000.00 = 300.00, from the collaborative goal's baseline FY2025
    assert (local.baseline_share, local.current_share, local.dollars, local.from_goal) == (
        Decimal("0.05"), Decimal("0.2"), Decimal("300.00"), True)
    (status,) = data.goals
    assert status.progress == Decimal("0.75")  # (0.20 − 0.05) ÷ (0.25 − 0.05)


def test_dollars_shifted_without_a_goal_compares_with_the_first_fiscal_year_shown(ledger):
    data = dashboard_collaborative.collaborative_dashboard()
    local = next(s for s in data.shifts if s.category == "local")
    # FY2024 had no spend at all: no baseline share, so nothing can be said
    assert local.baseline.period == "FY2024" and local.dollars is None and not local.from_goal


def test_every_institution_is_shown_against_its_own_goal(ledger, backbone):
    _goal(backbone, ledger.other.id, target_value="10", baseline_period="FY2025")
    data = dashboard_collaborative.collaborative_dashboard("local")
    rows = {r.institution.slug: r for r in data.rows}
    assert rows["general"].goal is None
    # other: baseline 0%, target 10%, current 13.33…%: progress (0.1333 − 0) ÷ (0.10 − 0) = 1.333…
    assert rows["other"].goal.progress == (Decimal(100) / Decimal(750)) / Decimal("0.1")


def test_public_summary_is_the_collaborative_block(ledger):
    data = dashboard_collaborative.public_summary()
    for point in [*data.quarters, *data.years]:
        assert point.figures == compute_report(point.period).collaborative.figures
