"""Opportunity rules: drafts, publishing, cancellation, addenda, Q&A, following, opening, no-award.

Every function takes the acting user and the request's single clock reading `now`; they
flush but never commit; each state change writes an audit event in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.errors import DomainError, NotFound
from marketplace.institutions.models import Institution
from marketplace.opportunities import lifecycle, notify
from marketplace.opportunities.models import (
    Addendum,
    AddendumAcknowledgement,
    BidOpening,
    Follow,
    Opportunity,
    OpportunityNaics,
    Question,
)

MAX_VALUE = Decimal("9999999999.99")
EDITABLE_FIELDS = (
    "title", "description", "type", "set_aside", "estimated_value_min", "estimated_value_max",
    "questions_deadline", "closes_at", "contact_name", "contact_email",
)


@dataclass
class OpportunityInput:
    """What an officer enters for an opportunity; instants are aware (UTC or any zone)."""

    title: str
    closes_at: datetime
    type: str = "RFP"
    description: str = ""
    set_aside: str = "none"
    naics_codes: list[str] = field(default_factory=list)
    estimated_value_min: Decimal | None = None
    estimated_value_max: Decimal | None = None
    questions_deadline: datetime | None = None
    contact_name: str | None = None
    contact_email: str | None = None


def ensure_officer_of(opportunity: Opportunity, actor: User) -> None:
    """Officers act only on their own institution's opportunities (others get a 404)."""
    if actor.role != "officer" or actor.institution_id != opportunity.institution_id:
        raise NotFound("We could not find that opportunity.")


def get_for_officer(opportunity_id: int, actor: User) -> Opportunity:
    """Load an opportunity the officer may manage, or raise NotFound."""
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound("We could not find that opportunity.")
    ensure_officer_of(opportunity, actor)
    return opportunity


def get_visible(opportunity_id: int, now: datetime) -> Opportunity:
    """Load a published opportunity for public pages; drafts do not exist to the public."""
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.published_at is None:
        raise NotFound("We could not find that opportunity.")
    return opportunity


def validate(data: OpportunityInput, now: datetime) -> None:
    """Check an opportunity's fields; raise DomainError listing every problem by field."""
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors.setdefault("title", []).append("Enter a title.")
    if data.closes_at <= now:
        errors.setdefault("closes_at", []).append("The closing time must be in the future.")
    if data.questions_deadline is not None:
        if data.questions_deadline > data.closes_at:
            errors.setdefault("questions_deadline", []).append(
                "The questions deadline must be before the closing time."
            )
    for name in ("estimated_value_min", "estimated_value_max"):
        value = getattr(data, name)
        if value is not None and not (Decimal(0) <= value <= MAX_VALUE):
            errors.setdefault(name, []).append("Enter an amount between $0 and $9,999,999,999.99.")
    if (data.estimated_value_min is not None and data.estimated_value_max is not None
            and data.estimated_value_min > data.estimated_value_max):
        errors.setdefault("estimated_value_max", []).append("The maximum must not be below the minimum.")
    if errors:
        raise DomainError("Please correct the opportunity's details.", errors)


def _next_reference(institution: Institution, now: datetime) -> str:
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Opportunity).where(Opportunity.institution_id == institution.id)
    )
    return f"{institution.slug.upper()}-{now.year}-{count + 1:04d}"


def _apply(opportunity: Opportunity, data: OpportunityInput) -> dict[str, list[Any]]:
    """Copy fields onto the opportunity; return {field: [old, new]} for what changed."""
    changes: dict[str, list[Any]] = {}
    for name in EDITABLE_FIELDS:
        old, new = getattr(opportunity, name), getattr(data, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(opportunity, name, new)
    codes = sorted(set(data.naics_codes))
    old_codes = sorted(n.code for n in opportunity.naics_codes)
    if codes != old_codes:
        changes["naics_codes"] = [old_codes, codes]
        opportunity.naics_codes = [OpportunityNaics(code=c) for c in codes]
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def create_draft(institution: Institution, data: OpportunityInput, *, actor: User, now: datetime) -> Opportunity:
    """Create a draft opportunity for the officer's institution."""
    if actor.role != "officer" or actor.institution_id != institution.id:
        raise NotFound("We could not find that institution.")
    validate(data, now)
    opportunity = Opportunity(
        institution_id=institution.id,
        reference=_next_reference(institution, now),
        title=data.title.strip(),
        closes_at=data.closes_at,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    _apply(opportunity, data)
    db.session.add(opportunity)
    db.session.flush()
    audit.record("opportunity.created", "opportunity", opportunity.id, actor=actor, at=now)
    return opportunity


def update_draft(opportunity: Opportunity, data: OpportunityInput, *, actor: User, now: datetime) -> None:
    """Change a draft freely (after publishing, changes are addenda)."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("edit_draft", opportunity, now)
    validate(data, now)
    _apply(opportunity, data)
    opportunity.updated_at = now
    audit.record("opportunity.updated", "opportunity", opportunity.id, actor=actor, at=now)


def publish(opportunity: Opportunity, *, actor: User, now: datetime) -> None:
    """Publish a draft: it becomes open until its closing time."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("publish", opportunity, now)
    if opportunity.closes_at <= now:
        raise DomainError("The closing time has passed; change it before publishing.",
                          {"closes_at": ["The closing time must be in the future."]})
    opportunity.published_at = now
    opportunity.updated_at = now
    db.session.flush()
    audit.record("opportunity.published", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"closes_at": opportunity.closes_at.isoformat()})
    notify.published(opportunity, now)


def cancel(opportunity: Opportunity, reason: str, *, actor: User, now: datetime) -> None:
    """Cancel with a reason; bidders and followers are told."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("cancel", opportunity, now)
    if not reason.strip():
        raise DomainError("Give a reason for cancelling.", {"reason": ["Enter a reason."]})
    was_published = opportunity.published_at is not None
    opportunity.cancelled_at = now
    opportunity.cancel_reason = reason.strip()
    opportunity.updated_at = now
    audit.record("opportunity.cancelled", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"reason": opportunity.cancel_reason})
    if was_published:
        notify.cancelled(opportunity, now)


def minimum_closing_after_addendum(opportunity: Opportunity, now: datetime) -> datetime | None:
    """The earliest closing time an addendum issued `now` must set, or None if no extension is due."""
    hours = opportunity.institution.addendum_extension_hours
    earliest = now + timedelta(hours=hours)
    return earliest if opportunity.closes_at < earliest else None


def issue_addendum(opportunity: Opportunity, note: str, data: OpportunityInput, *, actor: User,
                   now: datetime) -> Addendum:
    """Change a published opportunity through a numbered addendum with a note.

    A change inside the institution's window before closing (72 hours by default) must move
    the closing time to at least that far from now.
    """
    ensure_officer_of(opportunity, actor)
    lifecycle.require("issue_addendum", opportunity, now)
    if not note.strip():
        raise DomainError("Explain the change in the addendum note.", {"note": ["Enter a note."]})
    validate(data, now)
    minimum = minimum_closing_after_addendum(opportunity, now)
    if minimum is not None and data.closes_at < minimum:
        hours = opportunity.institution.addendum_extension_hours
        raise DomainError(
            f"This change comes less than {hours} hours before closing, so the closing time must be "
            f"extended to at least {minimum.isoformat(timespec='minutes')} UTC.",
            {"closes_at": [f"Extend the closing time by at least {hours} hours from now."]},
        )
    previous_close = opportunity.closes_at
    changes = _apply(opportunity, data)
    if not changes and not note.strip():
        raise DomainError("The addendum changes nothing.")
    number = (db.session.scalar(
        sa.select(sa.func.max(Addendum.number)).where(Addendum.opportunity_id == opportunity.id)
    ) or 0) + 1
    addendum = Addendum(
        opportunity_id=opportunity.id,
        number=number,
        note=note.strip(),
        changes=changes,
        previous_closes_at=previous_close,
        new_closes_at=opportunity.closes_at if "closes_at" in changes else None,
        issued_at=now,
        issued_by_id=actor.id,
    )
    opportunity.updated_at = now
    db.session.add(addendum)
    db.session.flush()
    audit.record("opportunity.addendum_issued", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"addendum": number, "changed": sorted(changes)})
    notify.addendum(opportunity, addendum, now)
    return addendum


def ask_question(opportunity: Opportunity, body: str, *, user: User, now: datetime) -> Question:
    """A vendor asks a question before the questions deadline; officers are told."""
    lifecycle.require("ask_question", opportunity, now)
    if opportunity.questions_deadline is not None and now >= opportunity.questions_deadline:
        raise lifecycle.TransitionNotAllowed("The deadline for questions has passed.")
    body = body.strip()
    if not body:
        raise DomainError("Enter your question.", {"body": ["Enter your question."]})
    if len(body) > 5000:
        raise DomainError("Keep the question under 5,000 characters.", {"body": ["Too long."]})
    question = Question(opportunity_id=opportunity.id, vendor_id=user.vendor_id, asked_by_id=user.id,
                        body=body, asked_at=now)
    db.session.add(question)
    db.session.flush()
    audit.record("question.asked", "question", question.id, actor=user, at=now,
                 institution_id=opportunity.institution_id)
    notify.question_asked(opportunity, question, now)
    return question


def answer_question(question: Question, answer: str, *, actor: User, now: datetime) -> None:
    """Publish an answer to everyone; followers, askers and bidders are told."""
    opportunity = question.opportunity
    ensure_officer_of(opportunity, actor)
    lifecycle.require("answer_question", opportunity, now)
    if not answer.strip():
        raise DomainError("Enter the answer.", {"answer": ["Enter the answer."]})
    first_answer = question.answer is None
    question.answer = answer.strip()
    question.answered_at = now
    question.answered_by_id = actor.id
    audit.record("question.answered", "question", question.id, actor=actor, at=now)
    if first_answer:
        notify.answered(opportunity, question, now)


def follow(opportunity: Opportunity, *, user: User, now: datetime) -> Follow:
    """Follow an opportunity (idempotent) to hear of answers, addenda and the award."""
    lifecycle.require("follow", opportunity, now)
    existing = db.session.scalar(sa.select(Follow).where(
        Follow.opportunity_id == opportunity.id, Follow.vendor_id == user.vendor_id))
    if existing is not None:
        return existing
    followed = Follow(opportunity_id=opportunity.id, vendor_id=user.vendor_id, user_id=user.id, created_at=now)
    db.session.add(followed)
    db.session.flush()
    return followed


def unfollow(opportunity: Opportunity, *, user: User) -> None:
    """Stop following."""
    db.session.execute(sa.delete(Follow).where(
        Follow.opportunity_id == opportunity.id, Follow.vendor_id == user.vendor_id))


def open_bids(opportunity: Opportunity, *, actor: User, now: datetime) -> bool:
    """Record this officer's opening; return True once the bids are open.

    With `requires_two_openers`, bids open when a second, different officer opens too.
    """
    ensure_officer_of(opportunity, actor)
    lifecycle.require("open_bids", opportunity, now)
    if opportunity.opened_at is not None:
        return True
    already = db.session.scalar(sa.select(BidOpening).where(
        BidOpening.opportunity_id == opportunity.id, BidOpening.officer_id == actor.id))
    if already is None:
        db.session.add(BidOpening(opportunity_id=opportunity.id, officer_id=actor.id, opened_at=now))
        db.session.flush()
    openers = db.session.scalar(sa.select(sa.func.count()).select_from(BidOpening).where(
        BidOpening.opportunity_id == opportunity.id))
    needed = 2 if opportunity.institution.requires_two_openers else 1
    audit.record("bids.opening_recorded", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"openers": openers, "needed": needed})
    if openers >= needed:
        opportunity.opened_at = now
        audit.record("bids.opened", "opportunity", opportunity.id, actor=actor, at=now)
        return True
    return False


def mark_no_award(opportunity: Opportunity, reason: str, *, actor: User, now: datetime) -> None:
    """Close the opportunity without an award, with a reason; interested vendors are told."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("no_award", opportunity, now)
    if not reason.strip():
        raise DomainError("Give a reason for not awarding.", {"reason": ["Enter a reason."]})
    opportunity.no_award_at = now
    opportunity.no_award_reason = reason.strip()
    audit.record("opportunity.no_award", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"reason": opportunity.no_award_reason})
    notify.no_award(opportunity, now)


def acknowledge_addendum(addendum: Addendum, *, user: User, now: datetime) -> AddendumAcknowledgement:
    """Record the vendor's acknowledgement of an addendum (idempotent) while the opportunity is open."""
    if user.role != "vendor" or user.vendor_id is None:
        raise NotFound("We could not find that addendum.")
    opportunity = addendum.opportunity
    if opportunity.published_at is None:
        raise NotFound("We could not find that addendum.")
    lifecycle.require("acknowledge_addendum", opportunity, now)
    query = sa.select(AddendumAcknowledgement).where(
        AddendumAcknowledgement.addendum_id == addendum.id, AddendumAcknowledgement.vendor_id == user.vendor_id)
    existing = db.session.scalar(query)
    if existing is not None:
        return existing
    acknowledgement = AddendumAcknowledgement(addendum_id=addendum.id, vendor_id=user.vendor_id,
                                              acknowledged_by_id=user.id, acknowledged_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(acknowledgement)
            db.session.flush()
    except IntegrityError:  # a colleague acknowledged at the same moment
        return db.session.scalar(query)
    audit.record("addendum.acknowledged", "addendum", addendum.id, actor=user, at=now,
                 institution_id=opportunity.institution_id,
                 detail={"opportunity_id": opportunity.id, "number": addendum.number})
    return acknowledgement
