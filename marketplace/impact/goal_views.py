"""Backbone pages: list, set, change and remove impact-purchasing goals."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace import db
from marketplace.access import roles
from marketplace.impact import bp, dashboard, dashboard_collaborative, goals
from marketplace.impact.charts import percent
from marketplace.impact.goal_forms import DeleteGoalForm, GoalForm
from marketplace.impact.models import Goal
from marketplace.institutions.models import Institution


def _form(goal: Goal | None = None) -> GoalForm:
    form = GoalForm()
    institutions = list(db.session.scalars(sa.select(Institution).order_by(Institution.name)))
    form.set_choices(institutions, goals.goal_categories())
    if goal is not None and not form.is_submitted():
        form.fill_from(goal)
    return form


def _statuses(items: list[Goal]) -> dict[int, dashboard.GoalStatus]:
    """Each goal's progress, computed with one report per period."""
    reports = dashboard.Reports()
    institutions = list(db.session.scalars(sa.select(Institution)))
    reports.prefetch([g.baseline_period for g in items] + [
        dashboard.current_label(i, dashboard.today_in(i.timezone)) for i in institutions])
    per, current = dashboard_collaborative.collaborative_current(reports, institutions)
    return {s.goal.id: s for s in dashboard_collaborative.goal_statuses(items, reports, institutions, per, current)}


def _save(form: GoalForm, goal: Goal | None):
    """Create or update from a submitted form; field problems go back onto the form (422)."""
    if form.validate_on_submit():
        try:
            if goal is None:
                goals.create_goal(form.to_input(), actor=current_user)
                flash("The goal was added.", "success")
            else:
                goals.update_goal(goal, form.to_input(), actor=current_user)
                flash("The goal was saved.", "success")
        except goals.GoalInvalid as invalid:
            for name, problems in invalid.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *problems]
        else:
            return redirect(url_for(".goal_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("impact/goals_form.html", form=form, goal=goal), status


@bp.route("/impact/goals")
@roles("backbone")
def goal_list():
    """List every goal with its baseline, target, current share and progress."""
    items = goals.list_goals()
    return render_template("impact/goals.html", goals=items, statuses=_statuses(items), percent=percent,
                           label=goals.category_label, target_text=goals.target_text,
                           delete_form=DeleteGoalForm())


@bp.route("/impact/goals/new", methods=["GET", "POST"])
@roles("backbone")
def goal_new():
    """Set a goal for an institution or the whole collaborative."""
    return _save(_form(), None)


@bp.route("/impact/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@roles("backbone")
def goal_edit(goal_id: int):
    """Change a goal."""
    goal = goals.get_goal(goal_id)
    return _save(_form(goal), goal)


@bp.route("/impact/goals/<int:goal_id>/delete", methods=["POST"])
@roles("backbone")
def goal_delete(goal_id: int):
    """Remove a goal (audited)."""
    goal = goals.get_goal(goal_id)
    form = DeleteGoalForm()
    if not form.validate_on_submit():
        flash("The form expired: please try again.", "error")
        return redirect(url_for(".goal_list"))
    scope = goal.institution.name if goal.institution else "the collaborative"
    goals.delete_goal(goal, actor=current_user)
    flash(f"The {goals.category_label(goal.category).lower()} goal for {scope} was removed.", "success")
    return redirect(url_for(".goal_list"))
