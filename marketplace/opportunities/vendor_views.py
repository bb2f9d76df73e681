"""Vendors' actions on an opportunity: follow, ask a question, acknowledge an addendum."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace import clock, db
from marketplace.access import roles
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import bp, services
from marketplace.opportunities.forms import QuestionForm, apply_domain_error
from marketplace.opportunities.models import Addendum
from marketplace.opportunities.public_views import common_context


def _back(opportunity_id: int, anchor: str | None = None):
    return redirect(url_for(".public_detail", opportunity_id=opportunity_id, _anchor=anchor))


@bp.route("/opportunities/<int:opportunity_id>/follow", methods=["POST"])
@roles("vendor")
def follow(opportunity_id: int):
    """Follow an opportunity to hear of answers, addenda and the award."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    services.follow(opportunity, user=current_user, now=now)
    flash("You are following this opportunity. We will email you about answers, addenda and the award.", "success")
    return _back(opportunity.id)


@bp.route("/opportunities/<int:opportunity_id>/unfollow", methods=["POST"])
@roles("vendor")
def unfollow(opportunity_id: int):
    """Stop following an opportunity."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    services.unfollow(opportunity, user=current_user)
    flash("You no longer follow this opportunity.", "success")
    return _back(opportunity.id)


@bp.route("/opportunities/<int:opportunity_id>/questions", methods=["GET", "POST"])
@roles("vendor")
def ask(opportunity_id: int):
    """Ask a question before the questions deadline; other vendors never see who asked."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    form = QuestionForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            services.ask_question(opportunity, form.body.data, user=current_user, now=now)
        except DomainError as error:
            status = 422 if apply_domain_error(form, error) else error.status_code
        else:
            flash("Your question was sent to the institution. Answers are published here for everyone, "
                  "without your name.", "success")
            return _back(opportunity.id, "questions")
    return render_template("opportunities/ask.html", form=form, opportunity=opportunity,
                           **common_context(now)), status


@bp.route("/opportunities/<int:opportunity_id>/addenda/<int:addendum_id>/acknowledge", methods=["POST"])
@roles("vendor")
def acknowledge(opportunity_id: int, addendum_id: int):
    """Acknowledge an addendum (idempotent)."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    addendum = db.session.get(Addendum, addendum_id)
    if addendum is None or addendum.opportunity_id != opportunity.id:
        raise NotFound("We could not find that addendum.")
    services.acknowledge_addendum(addendum, user=current_user, now=now)
    flash(f"You acknowledged addendum {addendum.number}.", "success")
    return _back(opportunity.id, f"addendum-{addendum.number}")
