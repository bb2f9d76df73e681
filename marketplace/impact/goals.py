"""Goals: a target share for an institution (or the whole collaborative), and its progress.

A goal names a category, a baseline period and a target: an absolute share of addressable
spend (stored as a fraction, 0.075 for 7.5%) or a multiple of the baseline share (stored as
the multiple, 2 for ×2). Progress = (current − baseline) ÷ (target − baseline), and is "n/a"
when the target equals the baseline (nothing to progress towards) or a period has no
addressable spend.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from marketplace import audit, clock, db
from marketplace.errors import DomainError, NotFound
from marketplace.impact.compute import report_categories
from marketplace.impact.models import GOAL_CATEGORIES, Goal
from marketplace.impact.periods import parse_period
from marketplace.institutions.models import Institution
from marketplace.vendors.eligibility import enabled_types

TARGET_KINDS = ("share", "multiple")
CATEGORY_LABELS = {
    "local": "Local",
    "small": "Small business",
    "mwbe": "Minority- or woman-owned (MWBE)",
    "diverse": "Diverse-owned",
    "any_impact": "Any impact (local, small or diverse, counted once)",
    "sbe": "SBE: small business",
    "mbe": "MBE: minority-owned",
    "wbe": "WBE: woman-owned",
    "dbe": "DBE: disadvantaged",
    "dobe": "DOBE: disability-owned",
    "vbe": "VBE: veteran-owned",
    "sdvob": "SDVOB: service-disabled veteran-owned",
    "lgbtbe": "LGBTBE: LGBT-owned",
    "employee_owned": "Employee-owned",
}
MAX_MULTIPLE = Decimal(1000)
PLACES = Decimal("0.000001")  # the column's scale: Numeric(12, 6)


class GoalInvalid(DomainError):
    """The goal's fields do not make a goal; `errors` maps each field to its problems."""

    status_code = 422


@dataclass
class GoalInput:
    """What a goal form or command supplies; `target_value` as typed (a percentage for a share)."""

    institution_id: int | None
    category: str
    baseline_period: str
    target_kind: str
    target_value: str
    target_date: date | None


def category_label(key: str) -> str:
    """A category's name for people."""
    return CATEGORY_LABELS.get(key, key)


def goal_categories() -> list[str]:
    """The categories a goal may name: those the collaborative's enabled types make reportable."""
    return [c.key for c in report_categories(enabled_types()) if c.key in GOAL_CATEGORIES]


def parse_target(kind: str, text: str) -> Decimal:
    """Read the typed target: a percentage ("7.5" → 0.075) for a share, a multiple ("2" → 2)."""
    try:
        value = Decimal((text or "").strip().rstrip("%×x").strip())
    except InvalidOperation:
        raise GoalInvalid("The target is not a number.", {"target_value": ["Enter a number, like 7.5 or 2."]}) from None
    if not value.is_finite() or value <= 0:
        raise GoalInvalid("The target must be more than zero.", {"target_value": ["Enter a number more than zero."]})
    if kind == "share":
        if value > 100:
            raise GoalInvalid("A share cannot exceed 100%.", {"target_value": ["Enter a percentage up to 100."]})
        if value.as_tuple().exponent < -4:
            raise GoalInvalid("Too many decimals.", {"target_value": ["Use at most 4 decimal places."]})
        return (value / 100).quantize(PLACES)
    if value > MAX_MULTIPLE or value.as_tuple().exponent < -6:
        raise GoalInvalid("The multiple is out of range.", {"target_value": ["Enter a multiple up to 1000, like 2 or 1.5."]})
    return value.quantize(PLACES)


def target_text(goal: Goal) -> str:
    """The target as people read it: "7.5%" or "×2"."""
    if goal.target_kind == "share":
        return f"{(goal.target_value * 100).normalize():f}%"
    return f"×{goal.target_value.normalize():f}"


def _validated(data: GoalInput, *, exclude_id: int | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    institution = None
    if data.institution_id is not None:
        institution = db.session.get(Institution, data.institution_id)
        if institution is None:
            errors["scope"] = ["Choose an institution or the whole collaborative."]
    if data.category not in goal_categories():
        errors["category"] = ["Choose a category the collaborative reports on."]
    baseline = None
    try:
        baseline = parse_period(data.baseline_period)
    except DomainError:
        errors["baseline_period"] = ["Enter a fiscal year (FY2024), a quarter (2024Q3) or a month (2024-07)."]
    if data.target_kind not in TARGET_KINDS:
        errors["target_kind"] = ["Choose a share or a multiple of the baseline."]
    value = None
    if "target_kind" not in errors:
        try:
            value = parse_target(data.target_kind, data.target_value)
        except GoalInvalid as invalid:
            errors.update(invalid.errors)
    if data.target_date is None:
        errors["target_date"] = ["Enter the date the target should be reached by."]
    elif baseline is not None:
        baseline_end = baseline.bounds(institution.fiscal_year_start_month if institution else 1)[1]
        if data.target_date <= baseline_end:
            errors["target_date"] = [f"The target date must come after the baseline period ends ({baseline_end.isoformat()})."]
    if not errors:
        duplicate = sa.select(Goal.id).where(
            Goal.category == data.category,
            Goal.institution_id.is_(None) if data.institution_id is None else Goal.institution_id == data.institution_id,
        )
        if exclude_id is not None:
            duplicate = duplicate.where(Goal.id != exclude_id)
        if db.session.scalar(duplicate.limit(1)) is not None:
            errors["category"] = ["There is already a goal for this category here: edit that one instead."]
    if errors:
        raise GoalInvalid("The goal has problems: see each field.", errors)
    assert baseline is not None and value is not None
    return {"institution_id": data.institution_id, "category": data.category, "baseline_period": baseline.label,
            "target_kind": data.target_kind, "target_value": value, "target_date": data.target_date}


def _snapshot(goal: Goal) -> dict[str, Any]:
    return {"institution_id": goal.institution_id, "category": goal.category, "baseline_period": goal.baseline_period,
            "target_kind": goal.target_kind, "target_value": f"{Decimal(goal.target_value).quantize(PLACES):f}",
            "target_date": goal.target_date.isoformat()}


def create_goal(data: GoalInput, *, actor: Any) -> Goal:
    """Add a goal after checking every field; audited."""
    values = _validated(data)
    goal = Goal(**values, created_by_id=getattr(actor, "id", None), created_at=clock.utcnow())
    db.session.add(goal)
    db.session.flush()
    audit.record("goal.created", "goal", goal.id, actor=actor, institution_id=goal.institution_id,
                 detail=_snapshot(goal))
    return goal


def update_goal(goal: Goal, data: GoalInput, *, actor: Any) -> Goal:
    """Change a goal's fields after checking them; the audit keeps the values before and after."""
    values = _validated(data, exclude_id=goal.id)
    before = _snapshot(goal)
    for name, value in values.items():
        setattr(goal, name, value)
    db.session.flush()
    audit.record("goal.updated", "goal", goal.id, actor=actor, institution_id=goal.institution_id,
                 detail={"before": before, "after": _snapshot(goal)})
    return goal


def delete_goal(goal: Goal, *, actor: Any) -> None:
    """Remove a goal; the audit keeps what it was."""
    detail = _snapshot(goal)
    audit.record("goal.deleted", "goal", goal.id, actor=actor, institution_id=goal.institution_id, detail=detail)
    db.session.delete(goal)
    db.session.flush()


def get_goal(goal_id: int) -> Goal:
    """A goal by id (NotFound otherwise)."""
    goal = db.session.get(Goal, goal_id)
    if goal is None:
        raise NotFound("No such goal.")
    return goal


def list_goals(*, institution_id: int | None = None, collaborative: bool | None = None) -> list[Goal]:
    """Goals, collaborative ones first, then by institution name and category."""
    query = sa.select(Goal).outerjoin(Institution, Institution.id == Goal.institution_id)
    if institution_id is not None:
        query = query.where(Goal.institution_id == institution_id)
    if collaborative is True:
        query = query.where(Goal.institution_id.is_(None))
    order = sa.case((Goal.institution_id.is_(None), 0), else_=1)
    return list(db.session.scalars(query.order_by(order, Institution.name, Goal.category, Goal.id)))


def target_share(goal: Goal, baseline_share: Decimal | None) -> Decimal | None:
    """The share aimed at: the absolute share, or baseline share × multiple (None without a baseline)."""
    if goal.target_kind == "share":
        return Decimal(goal.target_value)
    if baseline_share is None:
        return None
    return baseline_share * Decimal(goal.target_value)


def progress(current: Decimal | None, baseline: Decimal | None, target: Decimal | None) -> Decimal | None:
    """(current − baseline) ÷ (target − baseline); None ("n/a") when undefined."""
    if current is None or baseline is None or target is None or target == baseline:
        return None
    return (current - baseline) / (target - baseline)
