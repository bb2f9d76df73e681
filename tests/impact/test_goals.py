"""Goal services: both kinds of target, validation, audit, and the progress arithmetic."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.impact import goals
from marketplace.impact.goals import GoalInput, GoalInvalid


@pytest.fixture
def backbone(make_user):
    return make_user("backbone")


def _input(**fields) -> GoalInput:
    values = dict(institution_id=None, category="local", baseline_period="FY2024", target_kind="share",
                  target_value="7.5", target_date=date(2027, 6, 30))
    values.update(fields)
    return GoalInput(**values)


def test_share_target_is_typed_as_a_percentage_and_stored_as_a_fraction(region, backbone):
    goal = goals.create_goal(_input(target_value="7.5"), actor=backbone)
    assert goal.target_kind == "share" and goal.target_value == Decimal("0.075")
    assert goals.target_text(goal) == "7.5%"


def test_multiple_target_is_stored_as_the_multiple(institution, backbone):
    goal = goals.create_goal(_input(institution_id=institution.id, target_kind="multiple", target_value="2",
                                    baseline_period="fy2024"), actor=backbone)
    assert goal.target_value == Decimal("2") and goal.baseline_period == "FY2024"
    assert goals.target_text(goal) == "×2"


@pytest.mark.parametrize(("fields", "field"), [
    ({"baseline_period": "2024"}, "baseline_period"),
    ({"baseline_period": "FY24"}, "baseline_period"),
    ({"category": "payroll"}, "category"),
    ({"target_value": "abc"}, "target_value"),
    ({"target_value": "0"}, "target_value"),
    ({"target_value": "-3"}, "target_value"),
    ({"target_value": "120"}, "target_value"),
    ({"target_kind": "multiple", "target_value": "5000"}, "target_value"),
    ({"target_kind": "ratio"}, "target_kind"),
    ({"target_date": None}, "target_date"),
    ({"target_date": date(2024, 12, 31)}, "target_date"),
    ({"institution_id": 999999}, "scope"),
])
def test_invalid_goal_fields_are_refused_by_field(region, backbone, fields, field):
    with pytest.raises(GoalInvalid) as refused:
        goals.create_goal(_input(**fields), actor=backbone)
    assert field in refused.value.errors


def test_category_must_be_enabled_by_the_collaborative(region, backbone):
    region.enabled_certification_types = ["SBE"]
    db.session.flush()
    assert "mwbe" not in goals.goal_categories() and "small" in goals.goal_categories()
    with pytest.raises(GoalInvalid) as refused:
        goals.create_goal(_input(category="mwbe"), actor=backbone)
    assert "category" in refused.value.errors


def test_one_goal_per_scope_and_category(institution, backbone):
    goals.create_goal(_input(), actor=backbone)
    goals.create_goal(_input(institution_id=institution.id), actor=backbone)
    with pytest.raises(GoalInvalid) as refused:
        goals.create_goal(_input(target_value="9"), actor=backbone)
    assert "category" in refused.value.errors


def test_create_update_delete_are_audited_with_values(region, backbone):
    goal = goals.create_goal(_input(), actor=backbone)
    goal_id = goal.id
    goals.update_goal(goal, _input(target_value="10"), actor=backbone)
    assert goal.target_value == Decimal("0.1")
    goals.delete_goal(goal, actor=backbone)
    assert db.session.get(goals.Goal, goal_id) is None
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "goal")
                                     .order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["goal.created", "goal.updated", "goal.deleted"]
    assert events[1].detail["before"]["target_value"] == "0.075000"
    assert events[1].detail["after"]["target_value"] == "0.100000"
    assert events[2].detail["category"] == "local" and all(e.actor_user_id == backbone.id for e in events)


def test_progress_is_current_minus_baseline_over_target_minus_baseline():
    # baseline 4%, target 7.5%, current 5.4%: (0.054 − 0.04) ÷ (0.075 − 0.04) = 0.014 ÷ 0.035 = 0.4
    assert goals.progress(Decimal("0.054"), Decimal("0.04"), Decimal("0.075")) == Decimal("0.4")
    # going backwards is negative progress: (0.03 − 0.04) ÷ 0.035
    assert goals.progress(Decimal("0.03"), Decimal("0.04"), Decimal("0.075")) < 0


def test_multiple_target_is_baseline_share_times_the_multiple(region, backbone):
    goal = goals.create_goal(_input(target_kind="multiple", target_value="2"), actor=backbone)
    target = goals.target_share(goal, Decimal("0.03"))
    assert target == Decimal("0.06")
    # current 4.5%: (0.045 − 0.03) ÷ (0.06 − 0.03) = 0.5
    assert goals.progress(Decimal("0.045"), Decimal("0.03"), target) == Decimal("0.5")


def test_progress_is_not_available_when_the_target_equals_the_baseline(region, backbone):
    goal = goals.create_goal(_input(target_kind="multiple", target_value="2"), actor=backbone)
    # a zero baseline doubled is still zero: nothing to progress towards
    assert goals.progress(Decimal("0.02"), Decimal(0), goals.target_share(goal, Decimal(0))) is None
    assert goals.progress(Decimal("0.02"), Decimal("0.05"), Decimal("0.05")) is None
    assert goals.progress(None, Decimal("0.05"), Decimal("0.07")) is None
