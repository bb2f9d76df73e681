"""Officers' opportunity pages: drafts, publishing, addenda, answers, documents, opening, no award.

Officers see only their own institution's opportunities (others are 404). Before the bids
are opened these pages say nothing about bids: not who, not how many, not even "none".
A form that fails is shown again with its messages and answered 422 (or 409 for a refused
transition), so the request boundary rolls back anything a service had flushed.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import clock, db
from marketplace.access import roles
from marketplace.documents import services as document_services
from marketplace.documents.models import Document
from marketplace.errors import DomainError, NotFound
from marketplace.institutions.models import Institution
from marketplace.opportunities import bp, documents, lifecycle, queries, services
from marketplace.opportunities.forms import (
    ActionForm,
    AddendumForm,
    AnswerForm,
    DocumentsForm,
    OpportunityForm,
    ReasonForm,
    apply_domain_error,
    uploaded_files,
)
from marketplace.opportunities.models import Opportunity, Question
from marketplace.opportunities.public_views import common_context, detail_context


def _attempt(form, change: Callable[[], Any]) -> tuple[Any, int]:
    """Run a service call; on a DomainError mark the form and pick the status (422 fields, else the error's)."""
    try:
        return change(), 200
    except NotFound:
        raise
    except DomainError as error:
        on_fields = apply_domain_error(form, error)
        return None, 422 if on_fields else error.status_code


def store_files(field, *, institution_id: int | None = None, vendor_id: int | None = None) -> list[Document]:
    """Store every chosen file through the documents service; a refusal is a DomainError on the field."""
    stored = []
    for file in uploaded_files(field):
        try:
            stored.append(document_services.store_upload(file, uploaded_by=current_user,
                                                          institution_id=institution_id, vendor_id=vendor_id))
        except document_services.UploadRefused as refused:
            raise DomainError(refused.message, {field.name: [f"{file.filename}: {refused.message}"]}) from None
    return stored


def _form_page(template: str, form, opportunity: Opportunity | None, now: datetime, status: int, **extra):
    institution = opportunity.institution if opportunity else db.session.get(Institution, current_user.institution_id)
    return render_template(f"opportunities/manage/{template}", form=form, opportunity=opportunity,
                           institution=institution, **common_context(now), **extra), status


def _manage_detail(opportunity: Opportunity, now: datetime, status: int = 200, **forms):
    context = detail_context(opportunity, now)
    questions = queries.all_questions(opportunity)
    answer_forms = forms.pop("answer_forms", {})
    for question in questions:
        answer_forms.setdefault(question.id, AnswerForm(formdata=None, prefix=f"q{question.id}",
                                                        answer=question.answer))
    context.update(
        questions=questions,
        answer_forms=answer_forms,
        documents_form=forms.pop("documents_form", None) or DocumentsForm(formdata=None),
        action_form=ActionForm(formdata=None),
        opening=queries.opening_state(opportunity, current_user),
        allowed={action for action, statuses in lifecycle.ALLOWED.items() if context["status"] in statuses},
        minimum_close=(services.minimum_closing_after_addendum(opportunity, now)
                       if context["status"] == "open" else None),
    )
    return render_template("opportunities/manage/detail.html", **context), status


@bp.route("/manage/opportunities")
@roles("officer")
def manage_list():
    """List our institution's opportunities with their derived status."""
    now = clock.utcnow()
    status = request.args.get("status", "")
    status = status if status in lifecycle.STATUSES else ""
    page = request.args.get("page", 1, type=int) or 1
    results = queries.institution_page(current_user.institution_id, now=now, status=status or None, page=page)
    return render_template("opportunities/manage/list.html", results=results, status_filter=status,
                           statuses=lifecycle.STATUSES, institution=current_user.institution,
                           **common_context(now))


def _attach_uploads(form: OpportunityForm, opportunity: Opportunity, now) -> Opportunity:
    """Store the form's uploaded files and attach them to the draft."""
    attached = store_files(form.documents, institution_id=opportunity.institution_id)
    if attached:
        documents.attach_to_draft(opportunity, attached, actor=current_user, now=now)
    return opportunity


@bp.route("/manage/opportunities/new", methods=["GET", "POST"])
@roles("officer")
def manage_new():
    """Create a draft; the closing date and time are entered in the institution's zone."""
    now = clock.utcnow()
    institution = db.session.get(Institution, current_user.institution_id)
    form = OpportunityForm()
    if request.method == "GET":
        form.contact_name.data, form.contact_email.data = current_user.name, current_user.email
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        def change() -> Opportunity:
            opportunity = services.create_draft(institution, form.to_input(institution.timezone),
                                                actor=current_user, now=now)
            return _attach_uploads(form, opportunity, now)

        opportunity, status = _attempt(form, change)
        if opportunity is not None:
            flash("The draft was saved. Preview it, then publish it when it is ready.", "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))
    return _form_page("form.html", form, None, now, status, heading="New opportunity", submit_label="Save draft")


@bp.route("/manage/opportunities/<int:opportunity_id>")
@roles("officer")
def manage_detail(opportunity_id: int):
    """Show one of our opportunities with the actions its status allows."""
    now = clock.utcnow()
    return _manage_detail(services.get_for_officer(opportunity_id, current_user), now)


@bp.route("/manage/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@roles("officer")
def manage_edit(opportunity_id: int):
    """Edit a draft (after publishing, changes are addenda)."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    lifecycle.require("edit_draft", opportunity, now)
    form = OpportunityForm()
    if request.method == "GET":
        form.fill_from(opportunity)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        def change() -> Opportunity:
            services.update_draft(opportunity, form.to_input(opportunity.institution.timezone),
                                  actor=current_user, now=now)
            return _attach_uploads(form, opportunity, now)

        done, status = _attempt(form, change)
        if done is not None:
            flash("The draft was updated.", "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))
    return _form_page("form.html", form, opportunity, now, status, heading="Edit draft", submit_label="Save draft")


@bp.route("/manage/opportunities/<int:opportunity_id>/preview")
@roles("officer")
def manage_preview(opportunity_id: int):
    """Show the public page as it will look once published."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    return render_template("opportunities/detail.html", preview=True, **detail_context(opportunity, now))


@bp.route("/manage/opportunities/<int:opportunity_id>/publish", methods=["POST"])
@roles("officer")
def manage_publish(opportunity_id: int):
    """Publish a draft: it is open until its closing time."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    services.publish(opportunity, actor=current_user, now=now)
    flash("The opportunity is published and open for bids.", "success")
    return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))


def _reason_page(opportunity_id: int, action, *, done_message: str, heading: str, submit_label: str,
                 explanation: str):
    """A form that asks for a reason, then runs `action(opportunity, reason, actor=, now=)`."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    form = ReasonForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        done, status = _attempt(form, lambda: action(opportunity, form.reason.data,
                                                     actor=current_user, now=now) or True)
        if done:
            flash(done_message, "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))
    return _form_page("reason.html", form, opportunity, now, status, heading=heading,
                      submit_label=submit_label, explanation=explanation)


@bp.route("/manage/opportunities/<int:opportunity_id>/cancel", methods=["GET", "POST"])
@roles("officer")
def manage_cancel(opportunity_id: int):
    """Cancel with a reason; bidders and followers are told."""
    return _reason_page(opportunity_id, services.cancel, done_message="The opportunity was cancelled.",
                        heading="Cancel this opportunity", submit_label="Cancel the opportunity",
                        explanation="Everyone who follows, asked a question or bid is told, with your reason.")


@bp.route("/manage/opportunities/<int:opportunity_id>/no-award", methods=["GET", "POST"])
@roles("officer")
def manage_no_award(opportunity_id: int):
    """Close the opportunity without an award, with a reason."""
    return _reason_page(opportunity_id, services.mark_no_award,
                        done_message="The opportunity is marked as not awarded.",
                        heading="Mark as not awarded", submit_label="Mark as not awarded",
                        explanation="Bidders and followers are told that nothing will be awarded, with your reason.")


@bp.route("/manage/opportunities/<int:opportunity_id>/addendum", methods=["GET", "POST"])
@roles("officer")
def manage_addendum(opportunity_id: int):
    """Issue a numbered addendum: changed fields, a note, new documents."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    lifecycle.require("issue_addendum", opportunity, now)
    form = AddendumForm()
    if request.method == "GET":
        form.fill_from(opportunity)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        def change():
            addendum = services.issue_addendum(opportunity, form.note.data,
                                               form.to_input(opportunity.institution.timezone),
                                               actor=current_user, now=now)
            attached = store_files(form.documents, institution_id=opportunity.institution_id)
            documents.attach_to_addendum(addendum, attached, actor=current_user, now=now)
            return addendum

        addendum, status = _attempt(form, change)
        if addendum is not None:
            flash(f"Addendum {addendum.number} was issued; interested vendors are being told.", "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))
    return _form_page("form.html", form, opportunity, now, status, heading="Issue an addendum",
                      submit_label="Issue addendum",
                      minimum_close=services.minimum_closing_after_addendum(opportunity, now))


@bp.route("/manage/opportunities/<int:opportunity_id>/questions/<int:question_id>/answer", methods=["POST"])
@roles("officer")
def manage_answer(opportunity_id: int, question_id: int):
    """Publish (or correct) the answer to a question."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    question = db.session.get(Question, question_id)
    if question is None or question.opportunity_id != opportunity.id:
        raise NotFound("We could not find that question.")
    form = AnswerForm(prefix=f"q{question.id}")
    status = 422
    if form.validate_on_submit():
        done, status = _attempt(form, lambda: services.answer_question(question, form.answer.data,
                                                                       actor=current_user, now=now) or True)
        if done:
            flash("The answer is published.", "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id, _anchor=f"question-{question.id}"))
    return _manage_detail(opportunity, now, status, answer_forms={question.id: form})


@bp.route("/manage/opportunities/<int:opportunity_id>/documents", methods=["POST"])
@roles("officer")
def manage_attach(opportunity_id: int):
    """Attach documents to a draft."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    form = DocumentsForm()
    status = 422
    if form.validate_on_submit():
        def change():
            attached = store_files(form.documents, institution_id=opportunity.institution_id)
            if not attached:
                raise DomainError("Choose a file.", {"documents": ["Choose at least one file."]})
            documents.attach_to_draft(opportunity, attached, actor=current_user, now=now)
            return attached

        done, status = _attempt(form, change)
        if done:
            flash(f"{len(done)} document{'s' * (len(done) != 1)} attached.", "success")
            return redirect(url_for(".manage_detail", opportunity_id=opportunity.id, _anchor="documents"))
    return _manage_detail(opportunity, now, status, documents_form=form)


@bp.route("/manage/opportunities/<int:opportunity_id>/documents/<int:attachment_id>/remove", methods=["POST"])
@roles("officer")
def manage_remove_document(opportunity_id: int, attachment_id: int):
    """Remove a document from a draft."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    documents.remove_from_draft(opportunity, attachment_id, actor=current_user, now=now)
    flash("The document was removed from the draft.", "success")
    return redirect(url_for(".manage_detail", opportunity_id=opportunity.id, _anchor="documents"))


@bp.route("/manage/opportunities/<int:opportunity_id>/open", methods=["POST"])
@roles("officer")
def manage_open_bids(opportunity_id: int):
    """Open the bids after closing (with two-officer opening, record this officer's half)."""
    now = clock.utcnow()
    opportunity = services.get_for_officer(opportunity_id, current_user)
    if services.open_bids(opportunity, actor=current_user, now=now):
        flash("The bids are open. The tabulation is below.", "success")
        return redirect(url_for("bids.tabulation", opportunity_id=opportunity.id))
    flash("Your opening is recorded. The bids stay sealed until a second officer opens them too.", "info")
    return redirect(url_for(".manage_detail", opportunity_id=opportunity.id))
