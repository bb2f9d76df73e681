"""Debriefs: an unsuccessful bidder asks once per opportunity; the institution's officers answer.

Flush, never commit; every change is audited in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.awards import notify
from marketplace.awards.models import Award, DebriefRequest
from marketplace.bids.models import Bid
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity
from marketplace.vendors.models import Vendor

MAX_TEXT = 5000


class DebriefRefused(DomainError):
    """The debrief request or answer is refused; nothing was changed."""


@dataclass(frozen=True)
class DebriefRow:
    """A debrief request as an officer sees it."""

    request: DebriefRequest
    opportunity: Opportunity
    vendor_name: str


def existing_request(opportunity: Opportunity, vendor_id: int) -> DebriefRequest | None:
    """The vendor's debrief request on the opportunity, if any."""
    return db.session.scalar(sa.select(DebriefRequest).where(
        DebriefRequest.opportunity_id == opportunity.id, DebriefRequest.vendor_id == vendor_id))


def ensure_may_request(opportunity: Opportunity, vendor_id: int, now: datetime) -> None:
    """Raise DebriefRefused unless the vendor bid, the opportunity is awarded and the vendor was not."""
    if lifecycle.status(opportunity, now) != "awarded":
        raise DebriefRefused("A debrief can be requested once the opportunity is awarded.")
    bid = db.session.scalar(sa.select(Bid.id).where(
        Bid.opportunity_id == opportunity.id, Bid.vendor_id == vendor_id, Bid.withdrawn_at.is_(None)))
    if bid is None:
        raise DebriefRefused("Only vendors whose bid was not successful can request a debrief; "
                             "you have no live bid on this opportunity.")
    won = db.session.scalar(sa.select(Award.id).where(
        Award.opportunity_id == opportunity.id, Award.vendor_id == vendor_id, Award.status == "active"))
    if won is not None:
        raise DebriefRefused("Your business was awarded this opportunity; debriefs are for unsuccessful bidders.")


def request_debrief(opportunity: Opportunity, message: str, *, user: User, now: datetime) -> DebriefRequest:
    """Ask for a debrief (once per opportunity per vendor); the institution's officers are told."""
    if user.role != "vendor" or user.vendor_id is None or opportunity.published_at is None:
        raise NotFound("We could not find that opportunity.")
    ensure_may_request(opportunity, user.vendor_id, now)
    message = (message or "").strip()
    if len(message) > MAX_TEXT:
        raise DebriefRefused("Keep the message under 5,000 characters.", {"message": ["Too long."]})
    if existing_request(opportunity, user.vendor_id) is not None:
        raise DebriefRefused("Your business has already requested a debrief on this opportunity.")
    debrief = DebriefRequest(opportunity_id=opportunity.id, vendor_id=user.vendor_id, requested_by_id=user.id,
                             message=message, requested_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(debrief)
            db.session.flush()
    except IntegrityError:  # a colleague asked at the same moment
        raise DebriefRefused("Your business has already requested a debrief on this opportunity.") from None
    audit.record("debrief.requested", "debrief", debrief.id, actor=user, at=now,
                 institution_id=opportunity.institution_id, detail={"opportunity_id": opportunity.id})
    notify.debrief_requested(opportunity, debrief, now)
    return debrief


def get_for_officer(debrief_id: int, actor: User) -> DebriefRow:
    """Load a debrief request of the officer's institution, or raise NotFound."""
    row = db.session.execute(
        sa.select(DebriefRequest, Opportunity, Vendor.legal_name)
        .join(Opportunity, Opportunity.id == DebriefRequest.opportunity_id)
        .join(Vendor, Vendor.id == DebriefRequest.vendor_id)
        .where(DebriefRequest.id == debrief_id)).first()
    if row is None or actor.role != "officer" or row[1].institution_id != actor.institution_id:
        raise NotFound("We could not find that debrief request.")
    return DebriefRow(*row)


def answer_debrief(row: DebriefRow, response: str, *, actor: User, now: datetime) -> None:
    """Record the officer's answer to an open request; the vendor is emailed it."""
    if actor.role != "officer" or row.opportunity.institution_id != actor.institution_id:
        raise NotFound("We could not find that debrief request.")
    if row.request.responded_at is not None:
        raise DebriefRefused("This debrief request has already been answered.")
    response = (response or "").strip()
    if not response:
        raise DebriefRefused("Enter the debrief you are giving.", {"response": ["Enter the response."]})
    if len(response) > 20000:
        raise DebriefRefused("Keep the response under 20,000 characters.", {"response": ["Too long."]})
    row.request.response = response
    row.request.responded_at = now
    db.session.flush()
    audit.record("debrief.answered", "debrief", row.request.id, actor=actor, at=now,
                 institution_id=row.opportunity.institution_id,
                 detail={"opportunity_id": row.opportunity.id, "vendor_id": row.request.vendor_id})
    notify.debrief_answered(row.opportunity, row.request, now)


def for_institution(institution_id: int, *, answered: bool, limit: int = 200) -> list[DebriefRow]:
    """The institution's debrief requests: open ones oldest first, or answered ones newest first."""
    query = (sa.select(DebriefRequest, Opportunity, Vendor.legal_name)
             .join(Opportunity, Opportunity.id == DebriefRequest.opportunity_id)
             .join(Vendor, Vendor.id == DebriefRequest.vendor_id)
             .where(Opportunity.institution_id == institution_id))
    if answered:
        query = query.where(DebriefRequest.responded_at.is_not(None)).order_by(DebriefRequest.responded_at.desc())
    else:
        query = query.where(DebriefRequest.responded_at.is_(None)).order_by(DebriefRequest.requested_at)
    return [DebriefRow(*row) for row in db.session.execute(query.order_by(DebriefRequest.id).limit(limit))]


def open_count(opportunity_id: int) -> int:
    """How many debrief requests on the opportunity await an answer."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest).where(
        DebriefRequest.opportunity_id == opportunity_id, DebriefRequest.responded_at.is_(None))) or 0
