"""Read-only queries for the opportunity pages: paginated lists and the pieces of a detail page.

Nothing here counts or lists bids: before opening, pages must not reveal that any exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace import db
from marketplace.pagination import Paginated
from marketplace.auth.models import User
from marketplace.institutions.models import Institution
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import (
    Addendum,
    AddendumAcknowledgement,
    BidOpening,
    Follow,
    Opportunity,
    OpportunityDocument,
    Question,
)

PER_PAGE = 20
PUBLIC_STATUSES = ("open", "closed", "awarded")


@dataclass(frozen=True)
class Page(Paginated):
    """One page of results and what the pager needs."""

    items: list[Opportunity]
    page: int
    per_page: int
    total: int


def _paginate(query: sa.Select, page: int, per_page: int = PER_PAGE) -> Page:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    items = list(db.session.scalars(
        query.options(selectinload(Opportunity.institution), selectinload(Opportunity.naics_codes))
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(items, page, per_page, total or 0)


def public_page(*, now: datetime, status: str = "open", institution_id: int | None = None,
                set_aside: str | None = None, page: int = 1) -> Page:
    """Published opportunities with `status` at `now`, filtered, one page (soonest closing first)."""
    query = sa.select(Opportunity).where(Opportunity.published_at.is_not(None),
                                         lifecycle.status_filter(status, now))
    if institution_id is not None:
        query = query.where(Opportunity.institution_id == institution_id)
    if set_aside:
        query = query.where(Opportunity.set_aside == set_aside)
    order = Opportunity.closes_at.asc() if status == "open" else Opportunity.closes_at.desc()
    return _paginate(query.order_by(order, Opportunity.id), page)


def institution_page(institution_id: int, *, now: datetime, status: str | None = None, page: int = 1) -> Page:
    """An institution's own opportunities, drafts included, newest first."""
    query = sa.select(Opportunity).where(Opportunity.institution_id == institution_id)
    if status:
        query = query.where(lifecycle.status_filter(status, now))
    return _paginate(query.order_by(Opportunity.created_at.desc(), Opportunity.id.desc()), page)


def institutions() -> list[Institution]:
    """Every institution, by name (for the filter)."""
    return list(db.session.scalars(sa.select(Institution).order_by(Institution.name)))


def attachments(opportunity: Opportunity) -> list[OpportunityDocument]:
    """The opportunity's documents with their files, in the order attached."""
    return list(db.session.scalars(
        sa.select(OpportunityDocument).where(OpportunityDocument.opportunity_id == opportunity.id)
        .options(selectinload(OpportunityDocument.document)).order_by(OpportunityDocument.id)
    ))


def answered_questions(opportunity: Opportunity) -> list[Question]:
    """Published Q&A: answered questions only, oldest first."""
    return list(db.session.scalars(
        sa.select(Question).where(Question.opportunity_id == opportunity.id, Question.answer.is_not(None))
        .order_by(Question.asked_at, Question.id)
    ))


def all_questions(opportunity: Opportunity) -> list[Question]:
    """Every question, unanswered first (for the officer)."""
    return list(db.session.scalars(
        sa.select(Question).where(Question.opportunity_id == opportunity.id)
        .order_by(Question.answer.is_not(None), Question.asked_at, Question.id)
    ))


def addenda(opportunity: Opportunity) -> list[Addendum]:
    """The addenda in number order."""
    return list(db.session.scalars(
        sa.select(Addendum).where(Addendum.opportunity_id == opportunity.id).order_by(Addendum.number)
    ))


def is_following(opportunity: Opportunity, vendor_id: int) -> bool:
    """Whether the vendor follows the opportunity."""
    return db.session.scalar(sa.select(Follow.id).where(
        Follow.opportunity_id == opportunity.id, Follow.vendor_id == vendor_id)) is not None


def acknowledged_addendum_ids(opportunity: Opportunity, vendor_id: int) -> set[int]:
    """The ids of the addenda this vendor has acknowledged."""
    return set(db.session.scalars(
        sa.select(AddendumAcknowledgement.addendum_id).join(Addendum)
        .where(Addendum.opportunity_id == opportunity.id, AddendumAcknowledgement.vendor_id == vendor_id)
    ))


@dataclass(frozen=True)
class OpeningState:
    """Who has recorded an opening; says nothing about the bids themselves."""

    opener_names: list[str]
    needed: int
    opened_by_me: bool


def opening_state(opportunity: Opportunity, user: User) -> OpeningState:
    """The openings recorded so far and whether `user` is one of them."""
    rows = db.session.execute(
        sa.select(User.id, User.name, User.email).join(BidOpening, BidOpening.officer_id == User.id)
        .where(BidOpening.opportunity_id == opportunity.id).order_by(BidOpening.opened_at, BidOpening.id)
    ).all()
    needed = 2 if opportunity.institution.requires_two_openers else 1
    return OpeningState([name or email for _, name, email in rows], needed,
                        any(uid == user.id for uid, _, _ in rows))
