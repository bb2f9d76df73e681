"""Public opportunity pages (no login): the list, the detail, the closing-time calendar file."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app, make_response, render_template, request, send_file, url_for
from flask_login import current_user
from icalendar import Calendar, Event

from marketplace import clock
from marketplace.access import public
from marketplace.bids import services as bid_services
from marketplace.documents import services as document_services
from marketplace.models_common import SET_ASIDES
from marketplace.naics import catalog
from marketplace.opportunities import bp, lifecycle, queries, services
from marketplace.opportunities.documents import opportunity_document_access, public_document
from marketplace.opportunities.forms import SET_ASIDE_LABELS, TYPE_LABELS, FilterForm, QuestionForm, choices
from marketplace.opportunities.models import Opportunity
from marketplace.templating import format_instant, format_money


CHANGE_LABELS = {
    "title": "Title", "description": "Description", "type": "Type", "set_aside": "Set-aside",
    "estimated_value_min": "Estimated value, from", "estimated_value_max": "Estimated value, up to",
    "questions_deadline": "Questions deadline", "closes_at": "Closing time", "contact_name": "Contact name",
    "contact_email": "Contact email", "naics_codes": "NAICS codes", "documents": "Documents added",
}


def describe_change(name: str, value: Any, tz: str) -> str:
    """An addendum's recorded value, in words (instants in the institution's zone)."""
    if value is None or value == [] or value == "":
        return "none"
    if name in ("closes_at", "questions_deadline"):
        return format_instant(datetime.fromisoformat(value), tz)
    if name in ("estimated_value_min", "estimated_value_max"):
        return format_money(Decimal(value))
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "set_aside":
        return SET_ASIDE_LABELS.get(value, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

# A draft's documents are its institution's officers' only (checked by documents.download).
document_services.register_access_rule(opportunity_document_access)


def common_context(now: datetime) -> dict[str, Any]:
    """What every opportunity template uses to label things."""
    return dict(now=now, status_of=lambda o: lifecycle.status(o, now), type_labels=TYPE_LABELS,
                set_aside_labels=SET_ASIDE_LABELS, naics_title=catalog.title,
                change_labels=CHANGE_LABELS, describe_change=describe_change)


def detail_context(opportunity: Opportunity, now: datetime) -> dict[str, Any]:
    """The public face of an opportunity: documents, answered Q&A, addenda."""
    return dict(common_context(now), opportunity=opportunity, status=lifecycle.status(opportunity, now),
                attachments=queries.attachments(opportunity),
                questions=queries.answered_questions(opportunity),
                addenda=queries.addenda(opportunity))


def _vendor_context(opportunity: Opportunity, now: datetime) -> dict[str, Any]:
    vendor_id = current_user.vendor_id
    status = lifecycle.status(opportunity, now)
    questions_open = status == "open" and (opportunity.questions_deadline is None
                                           or now < opportunity.questions_deadline)
    return dict(following=queries.is_following(opportunity, vendor_id),
                my_bid=bid_services.live_bid(opportunity.id, vendor_id),
                acknowledged=queries.acknowledged_addendum_ids(opportunity, vendor_id),
                questions_open=questions_open, question_form=QuestionForm() if questions_open else None)


@bp.route("/opportunities")
@public
def public_list():
    """List published opportunities (open by default), filtered and paginated."""
    now = clock.utcnow()
    status = request.args.get("status", "open")
    status = status if status in queries.PUBLIC_STATUSES else "open"
    set_aside = request.args.get("set_aside", "")
    set_aside = set_aside if set_aside in SET_ASIDES else ""
    institution_id = request.args.get("institution", type=int)
    page = request.args.get("page", 1, type=int) or 1
    institutions = queries.institutions()
    form = FilterForm(formdata=None, status=status, set_aside=set_aside,
                      institution=str(institution_id or ""))
    form.institution.choices = choices([("", "All institutions"), *((str(i.id), i.name) for i in institutions)])
    results = queries.public_page(now=now, status=status, institution_id=institution_id,
                                  set_aside=set_aside or None, page=page)
    filters = {k: v for k, v in (("status", status), ("institution", institution_id),
                                 ("set_aside", set_aside)) if v}
    return render_template("opportunities/list.html", results=results, form=form, filters=filters,
                           status_filter=status, **common_context(now))


@bp.route("/opportunities/<int:opportunity_id>")
@public
def public_detail(opportunity_id: int):
    """Show a published opportunity: description, documents, answers, addenda, closing time."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    context = detail_context(opportunity, now)
    if current_user.is_authenticated and current_user.role == "vendor":
        context.update(_vendor_context(opportunity, now))
    return render_template("opportunities/detail.html", **context)


@bp.route("/opportunities/<int:opportunity_id>/closing.ics")
@public
def closing_ics(opportunity_id: int):
    """Download the closing time as an iCalendar event."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    url = current_app.config["BASE_URL"].rstrip("/") + url_for(".public_detail", opportunity_id=opportunity.id)
    calendar = Calendar()
    calendar.add("prodid", "-//Anchor Marketplace//Opportunity closing times//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"opportunity-{opportunity.id}-closing@anchor-marketplace")
    event.add("dtstamp", now)
    event.add("dtstart", opportunity.closes_at)
    event.add("dtend", opportunity.closes_at)
    event.add("sequence", len(opportunity.addenda))
    event.add("summary", f"Bids close: {opportunity.title} ({opportunity.reference})")
    event.add("description", f"{opportunity.institution.name}: bids must be received before this time.\n{url}")
    event.add("url", url)
    calendar.add_component(event)
    response = make_response(calendar.to_ical())
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{opportunity.reference}-closing.ics"'
    return response


@bp.route("/opportunities/<int:opportunity_id>/documents/<int:document_id>")
@public
def public_document_download(opportunity_id: int, document_id: int):
    """Download a document of a published opportunity (no login needed)."""
    now = clock.utcnow()
    opportunity = services.get_visible(opportunity_id, now)
    document = public_document(opportunity, document_id)
    response = send_file(document_services.open_document(document), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
