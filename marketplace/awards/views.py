"""Award pages: award from the tabulation, manage and cancel awards, the public notice, debriefs, contracts.

A refused form is shown again with its messages and answered 422 (bad input) or with the
service's status (409 refused, 404 not ours), so the request boundary rolls back anything flushed.
"""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace import clock
from marketplace.access import public, roles
from marketplace.awards import bp, debriefs, services
from marketplace.awards.forms import (
    AwardForm,
    DebriefAnswerForm,
    DebriefRequestForm,
    ReasonForm,
    award_panel,
)
from marketplace.bids import tabulation as tabulation_service
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import services as opportunity_services
from marketplace.opportunities.forms import apply_domain_error
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.public_views import common_context

# Service error keys that mean bad input on an award line (422) rather than a refused award (409).
INPUT_KEYS = {"lines", "amount", "contract_start", "contract_end"}


def _refused(form, error: DomainError) -> int:
    """Mark the form with a service refusal; 422 when it names a field of the form, else the error's status."""
    if isinstance(error, NotFound):
        raise error
    return 422 if apply_domain_error(form, error) else error.status_code


@bp.app_template_global()
def award_summary(opportunity: Opportunity) -> dict[str, int]:
    """Counts for an officer's opportunity page: active awards and unanswered debrief requests."""
    return {"awards": len(services.active_awards(opportunity)), "open_debriefs": debriefs.open_count(opportunity.id)}


@bp.route("/manage/opportunities/<int:opportunity_id>/award", methods=["POST"])
@roles("officer")
def create(opportunity_id: int):
    """Award the bids chosen under the tabulation (a split award when several are chosen)."""
    now = clock.utcnow()
    opportunity = opportunity_services.get_for_officer(opportunity_id, current_user)
    form = AwardForm()
    status = 422
    if form.validate_on_submit():
        try:
            awards = services.award_bids(opportunity, form.to_lines(), actor=current_user, now=now)
        except NotFound:
            raise
        except DomainError as error:
            form.form_errors.append(error.message)
            status = 422 if set(error.errors) & INPUT_KEYS else error.status_code
        else:
            flash(f"{len(awards)} award{'s' * (len(awards) != 1)} made; the bidders and followers are being told.",
                  "success")
            return redirect(url_for(".manage", opportunity_id=opportunity.id))
    result = tabulation_service.tabulate(opportunity, actor=current_user, now=now)
    return render_template("bids/tabulation.html", tabulation=result, opportunity=opportunity,
                           award_panel=award_panel(result, current_user, now, form=form),
                           **common_context(now)), status


def _manage_page(opportunity: Opportunity, now: datetime, status: int = 200, forms: dict | None = None):
    awards = services.all_awards(opportunity)
    forms = forms or {}
    for award in awards:
        if award.status == "active":
            forms.setdefault(award.id, ReasonForm(formdata=None, prefix=f"a{award.id}"))
    return render_template("awards/manage.html", opportunity=opportunity, awards=awards, cancel_forms=forms,
                           contracts=services.contracts_by_award(awards),
                           can_award=services.can_award(opportunity, current_user, now),
                           open_debriefs=debriefs.open_count(opportunity.id), **common_context(now)), status


@bp.route("/manage/opportunities/<int:opportunity_id>/awards")
@roles("officer")
def manage(opportunity_id: int):
    """List the opportunity's awards and contracts, with cancellation."""
    now = clock.utcnow()
    return _manage_page(opportunity_services.get_for_officer(opportunity_id, current_user), now)


@bp.route("/manage/awards/<int:award_id>/cancel", methods=["POST"])
@roles("officer")
def cancel(award_id: int):
    """Cancel an active award with a reason (its contract stays on record)."""
    now = clock.utcnow()
    award = services.get_award_for_officer(award_id, current_user)
    form = ReasonForm(prefix=f"a{award.id}")
    status = 422
    if form.validate_on_submit():
        try:
            services.cancel_award(award, form.reason.data, actor=current_user, now=now)
        except DomainError as error:
            status = _refused(form, error)
        else:
            flash(f"The award to {award.vendor.legal_name} was cancelled.", "success")
            return redirect(url_for(".manage", opportunity_id=award.opportunity_id))
    return _manage_page(award.opportunity, now, status, forms={award.id: form})


@bp.route("/opportunities/<int:opportunity_id>/award")
@public
def notice(opportunity_id: int):
    """Show the public award notice (or the no-award notice with its reason)."""
    now = clock.utcnow()
    opportunity = opportunity_services.get_visible(opportunity_id, now)
    result = services.notice(opportunity, now)
    return render_template("awards/notice.html", notice=result, opportunity=opportunity,
                           contracts=services.contracts_by_award([*result.awards]), **common_context(now))


@bp.route("/opportunities/<int:opportunity_id>/debrief", methods=["GET", "POST"])
@roles("vendor")
def debrief(opportunity_id: int):
    """Request a debrief as an unsuccessful bidder (once), or read the request and its answer."""
    now = clock.utcnow()
    opportunity = opportunity_services.get_visible(opportunity_id, now)
    existing = debriefs.existing_request(opportunity, current_user.vendor_id)
    form = DebriefRequestForm()
    status = 200
    if existing is None:
        debriefs.ensure_may_request(opportunity, current_user.vendor_id, now)
        status = 422 if form.is_submitted() else 200
        if form.validate_on_submit():
            try:
                debriefs.request_debrief(opportunity, form.message.data or "", user=current_user, now=now)
            except DomainError as error:
                status = _refused(form, error)
            else:
                flash("Your debrief request was sent to the institution.", "success")
                return redirect(url_for(".debrief", opportunity_id=opportunity.id))
    elif form.is_submitted():
        raise debriefs.DebriefRefused("Your business has already requested a debrief on this opportunity.")
    return render_template("awards/debrief.html", opportunity=opportunity, existing=existing, form=form,
                           **common_context(now)), status


def _debriefs_page(now: datetime, status: int = 200, forms: dict | None = None):
    institution_id = current_user.institution_id
    open_rows = debriefs.for_institution(institution_id, answered=False)
    forms = forms or {}
    for row in open_rows:
        forms.setdefault(row.request.id, DebriefAnswerForm(formdata=None, prefix=f"d{row.request.id}"))
    return render_template("awards/debriefs.html", open_rows=open_rows, answer_forms=forms,
                           answered_rows=debriefs.for_institution(institution_id, answered=True, limit=50),
                           **common_context(now)), status


@bp.route("/manage/debriefs")
@roles("officer")
def debrief_requests():
    """List our institution's open debrief requests (and recent answers)."""
    return _debriefs_page(clock.utcnow())


@bp.route("/manage/debriefs/<int:debrief_id>/answer", methods=["POST"])
@roles("officer")
def answer_debrief(debrief_id: int):
    """Answer a debrief request; the vendor is emailed the answer."""
    now = clock.utcnow()
    row = debriefs.get_for_officer(debrief_id, current_user)
    form = DebriefAnswerForm(prefix=f"d{row.request.id}")
    status = 422
    if form.validate_on_submit():
        try:
            debriefs.answer_debrief(row, form.response.data, actor=current_user, now=now)
        except DomainError as error:
            status = _refused(form, error)
        else:
            flash(f"Your debrief was sent to {row.vendor_name}.", "success")
            return redirect(url_for(".debrief_requests"))
    return _debriefs_page(now, status, forms={row.request.id: form})


@bp.route("/vendor/contracts")
@roles("vendor")
def contracts():
    """List our business's contracts (from awards), newest first."""
    now = clock.utcnow()
    return render_template("awards/contracts.html", rows=services.vendor_contracts(current_user.vendor_id),
                           **common_context(now))

