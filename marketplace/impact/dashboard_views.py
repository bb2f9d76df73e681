"""Impact dashboards: an officer's institution, the backbone's collaborative, and the public summary.

Each chart is inline SVG computed on the server, with its data table beside it and a CSV
export (`?format=csv&chart=NAME`).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, render_template, request
from flask_login import current_user

from marketplace.access import public, roles
from marketplace.errors import NotFound
from marketplace.impact import bp, dashboard, dashboard_collaborative, dashboard_export
from marketplace.impact.charts import bar_chart, column_chart, percent
from marketplace.impact.dashboard import GoalStatus, Point
from marketplace.impact.goals import category_label, target_text


@bp.context_processor
def _helpers() -> dict:
    return {"percent": percent, "category_label": category_label, "target_text": target_text,
            "denominator": dashboard.DENOMINATOR}


def _column(points: list[Point], category: str, goal: GoalStatus | None):
    rules = []
    if goal is not None:
        rules = [("baseline", goal.baseline_share, "Baseline"), ("goal", goal.target_share, "Goal")]
    return column_chart([(p.period, p.share(category), p.to_date) for p in points], rules)


def _csv(name: str, builders: dict[str, Callable[[], str]]) -> Response:
    chart = request.args.get("chart", "")
    if chart not in builders:
        raise NotFound(f"No chart {chart!r} to export: choose one of {', '.join(sorted(builders))}.")
    return Response(builders[chart](), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{chart}.csv"'})


@bp.route("/impact")
@roles("officer")
def institution_dashboard():
    """Show the officer's institution: shares per quarter and fiscal year against its goals, top vendors."""
    institution = current_user.institution
    data = dashboard.institution_dashboard(institution, request.args.get("category"))
    if request.args.get("format") == "csv":
        slug, rule = institution.slug, data.expiry_rule
        return _csv(f"impact-{slug}", {
            "quarters": lambda: dashboard_export.points_csv([(slug, p) for p in data.quarters], data.categories, rule),
            "years": lambda: dashboard_export.points_csv([(slug, p) for p in data.years], data.categories, rule),
            "goals": lambda: dashboard_export.goals_csv(data.goals, rule),
            "vendors": lambda: dashboard_export.vendors_csv(
                {"local": data.top_local, "diverse": data.top_diverse}, data.current, rule),
        })
    return render_template(
        "impact/dashboard_institution.html", data=data,
        quarter_chart=_column(data.quarters, data.category, data.goal),
        year_chart=_column(data.years, data.category, data.goal),
    )


@bp.route("/impact/collaborative")
@roles("backbone")
def collaborative_dashboard():
    """Show every institution against its goal, the spend-weighted totals, dollars shifted and the trend."""
    data = dashboard_collaborative.collaborative_dashboard(request.args.get("category"))
    if request.args.get("format") == "csv":
        rule = data.expiry_rule
        scoped = [("collaborative", p) for p in data.quarters] + [
            (inst.slug, p) for inst, points in data.quarter_matrix for p in points]
        return _csv("impact-collaborative", {
            "institutions": lambda: dashboard_export.points_csv(
                [(r.institution.slug, r.current) for r in data.rows] + [("collaborative", data.current)],
                data.categories, rule),
            "goals": lambda: dashboard_export.goals_csv(
                [*data.goals, *(r.goal for r in data.rows if r.goal)], rule),
            "quarters": lambda: dashboard_export.points_csv(scoped, data.categories, rule),
            "years": lambda: dashboard_export.points_csv([("collaborative", p) for p in data.years], data.categories, rule),
            "shifted": lambda: dashboard_export.shifts_csv(data.shifts, rule),
        })
    category = data.category
    bars = bar_chart([
        (r.institution.name, r.current.share(category), r.goal.baseline_share if r.goal else None,
         r.goal.target_share if r.goal else None,
         percent(r.current.share(category)) + (f" · goal {percent(r.goal.target_share)}" if r.goal else " · no goal"))
        for r in data.rows
    ])
    return render_template(
        "impact/dashboard_collaborative.html", data=data, bars=bars,
        quarter_chart=_column(data.quarters, category, data.goal),
        year_chart=_column(data.years, category, data.goal),
    )


@bp.route("/impact/summary")
@public
def public_summary():
    """Show the collaborative's impact-purchasing shares to everyone: no vendor, no payment."""
    data = dashboard_collaborative.public_summary()
    category = request.args.get("category")
    category = category if category in data.categories else data.categories[0]
    if request.args.get("format") == "csv":
        rule = data.expiry_rule
        return _csv("impact-summary", {
            "quarters": lambda: dashboard_export.points_csv([("collaborative", p) for p in data.quarters],
                                                            data.categories, rule),
            "years": lambda: dashboard_export.points_csv([("collaborative", p) for p in data.years],
                                                         data.categories, rule),
        })
    goal = next((g for g in data.goals if g.goal.category == category), None)
    return render_template(
        "impact/public_summary.html", data=data, category=category, goal=goal,
        quarter_chart=_column(data.quarters, category, goal), year_chart=_column(data.years, category, goal),
    )
