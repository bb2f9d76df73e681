"""Who hears about what, through the outbox. No message ever carries bid contents or counts."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from marketplace import db
from marketplace.auth.models import User
from marketplace.bids.models import Bid
from marketplace.mail.services import enqueue_template
from marketplace.opportunities.models import Addendum, Follow, Opportunity, Question

# Other packages (search alerts) register callables run when an opportunity is published.
published_listeners: list[Callable[[Opportunity, datetime], None]] = []


def _url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def interested_vendor_ids(opportunity: Opportunity, *, bidders: bool = True) -> set[int]:
    """Vendors who follow, asked, or (optionally) hold a live bid."""
    ids = set(db.session.scalars(sa.select(Follow.vendor_id).where(Follow.opportunity_id == opportunity.id)))
    ids |= set(db.session.scalars(sa.select(Question.vendor_id).where(Question.opportunity_id == opportunity.id)))
    if bidders:
        ids |= bidder_vendor_ids(opportunity)
    return ids


def bidder_vendor_ids(opportunity: Opportunity) -> set[int]:
    """Vendors with a live (not withdrawn) bid."""
    return set(db.session.scalars(sa.select(Bid.vendor_id).where(
        Bid.opportunity_id == opportunity.id, Bid.withdrawn_at.is_(None))))


def _users_of(vendor_ids: set[int]) -> list[User]:
    if not vendor_ids:
        return []
    return list(db.session.scalars(sa.select(User).where(
        User.vendor_id.in_(vendor_ids), User.active.is_(True)).order_by(User.id)))


def _officers_of(institution_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.institution_id == institution_id, User.role == "officer", User.active.is_(True)).order_by(User.id)))


def _send(users: list[User], subject: str, template: str, key: str, **context) -> None:
    for user in users:
        enqueue_template(user.email, subject, template, dedupe_key=f"{key}:user-{user.id}", user=user, **context)


def published(opportunity: Opportunity, now: datetime) -> None:
    """Tell the registered listeners (saved-search alerts) about a new opportunity."""
    for listener in published_listeners:
        listener(opportunity, now)


def cancelled(opportunity: Opportunity, now: datetime) -> None:
    """Bidders and followers hear of a cancellation."""
    _send(_users_of(interested_vendor_ids(opportunity)), f"Cancelled: {opportunity.title}",
          "opportunity_cancelled", f"opp-{opportunity.id}-cancelled", opportunity=opportunity,
          url=_url(f"/opportunities/{opportunity.id}"))


def addendum(opportunity: Opportunity, addendum: Addendum, now: datetime) -> None:
    """Everyone interested hears of an addendum; bidders are asked to acknowledge it."""
    bidders = bidder_vendor_ids(opportunity)
    others = interested_vendor_ids(opportunity, bidders=False) - bidders
    context = dict(opportunity=opportunity, addendum=addendum, url=_url(f"/opportunities/{opportunity.id}"))
    key = f"opp-{opportunity.id}-addendum-{addendum.number}"
    _send(_users_of(bidders), f"Addendum {addendum.number} (please acknowledge): {opportunity.title}",
          "opportunity_addendum", key, must_acknowledge=True, **context)
    _send(_users_of(others), f"Addendum {addendum.number}: {opportunity.title}",
          "opportunity_addendum", key, must_acknowledge=False, **context)


def question_asked(opportunity: Opportunity, question: Question, now: datetime) -> None:
    """The institution's officers hear of a new question (without the asker's identity)."""
    _send(_officers_of(opportunity.institution_id), f"New question: {opportunity.title}",
          "opportunity_question", f"question-{question.id}-asked", opportunity=opportunity,
          question=question, url=_url(f"/manage/opportunities/{opportunity.id}"))


def answered(opportunity: Opportunity, question: Question, now: datetime) -> None:
    """Followers, askers and bidders hear of a published answer."""
    _send(_users_of(interested_vendor_ids(opportunity)), f"Question answered: {opportunity.title}",
          "opportunity_answer", f"question-{question.id}-answered", opportunity=opportunity,
          question=question, url=_url(f"/opportunities/{opportunity.id}"))


def no_award(opportunity: Opportunity, now: datetime) -> None:
    """Bidders and followers hear that nothing will be awarded."""
    _send(_users_of(interested_vendor_ids(opportunity)), f"No award: {opportunity.title}",
          "opportunity_no_award", f"opp-{opportunity.id}-no-award", opportunity=opportunity,
          url=_url(f"/opportunities/{opportunity.id}"))
