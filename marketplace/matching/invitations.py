"""Officers invite suggested vendors to bid; vendors hear of it only once the opportunity is public."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.errors import NotFound
from marketplace.mail.services import enqueue_template
from marketplace.matching import services
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity, OpportunityInvitation
from marketplace.opportunities.services import ensure_officer_of
from marketplace.vendors.models import Vendor


def _url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def invited_vendor_ids(opportunity: Opportunity) -> set[int]:
    """The vendors already invited to an opportunity."""
    return set(db.session.scalars(sa.select(OpportunityInvitation.vendor_id).where(
        OpportunityInvitation.opportunity_id == opportunity.id)))


def invite_vendor(opportunity: Opportunity, vendor_id: int, *, actor: User,
                  now: datetime) -> tuple[OpportunityInvitation, bool]:
    """Invite a registered vendor to bid; return (invitation, created). Inviting twice changes nothing."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("invite_vendor", opportunity, now)
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or vendor.registration_completed_at is None:
        raise NotFound("We could not find that vendor.")
    existing = _existing(opportunity.id, vendor.id)
    if existing is not None:
        return existing, False
    match = services.explain_vendor(opportunity, vendor, now=now)
    invitation = OpportunityInvitation(opportunity_id=opportunity.id, vendor_id=vendor.id, invited_by_id=actor.id,
                                       reason=match.reason_text if match else "", invited_at=now)
    try:
        with db.session.begin_nested():  # a concurrent invitation of the same vendor wins; this one is a no-op
            db.session.add(invitation)
            db.session.flush()
    except IntegrityError:
        existing = _existing(opportunity.id, vendor.id)
        if existing is None:
            raise
        return existing, False
    audit.record("opportunity.vendor_invited", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"vendor_id": vendor.id, "reason": invitation.reason})
    if opportunity.published_at is not None:
        send_invitation(invitation, opportunity)
    return invitation, True


def _existing(opportunity_id: int, vendor_id: int) -> OpportunityInvitation | None:
    return db.session.scalar(sa.select(OpportunityInvitation).where(
        OpportunityInvitation.opportunity_id == opportunity_id, OpportunityInvitation.vendor_id == vendor_id))


def send_invitation(invitation: OpportunityInvitation, opportunity: Opportunity) -> int:
    """Queue the invitation email to each active user of the vendor (once per user); return how many."""
    if opportunity.published_at is None:  # vendors never learn of drafts
        return 0
    users = db.session.scalars(sa.select(User).where(
        User.vendor_id == invitation.vendor_id, User.active.is_(True)).order_by(User.id)).all()
    vendor = db.session.get(Vendor, invitation.vendor_id)
    queued = 0
    for user in users:
        message = enqueue_template(
            user.email, f"Invitation to bid: {opportunity.title}", "invitation_to_bid",
            dedupe_key=f"opp-invitation-{invitation.id}:user-{user.id}", user=user, vendor=vendor,
            opportunity=opportunity, reasons=invitation.reason or "",
            url=_url(f"/opportunities/{opportunity.id}"))
        queued += message is not None
    return queued


def send_pending_invitations(opportunity: Opportunity, now: datetime) -> None:
    """At publish: email the invitations recorded while the opportunity was a draft."""
    invitations = db.session.scalars(sa.select(OpportunityInvitation).where(
        OpportunityInvitation.opportunity_id == opportunity.id).order_by(OpportunityInvitation.id)).all()
    for invitation in invitations:
        send_invitation(invitation, opportunity)
