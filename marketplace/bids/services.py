"""Sealed bidding: submit, revise, withdraw before closing; receipts; who may see a bid.

The closing rule: a submission, revision or withdrawal is accepted iff the request's single
clock reading `now` is strictly before `closes_at`. Before the bids are opened, nobody but the
bidding vendor may see a bid's contents, documents, or that it exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.bids.models import Bid, BidDocument, BidVersion
from marketplace.errors import DomainError, NotFound
from marketplace.mail.services import enqueue_template
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity
from marketplace.vendors.eligibility import check_set_aside
from marketplace.vendors.models import Vendor

if TYPE_CHECKING:
    from marketplace.documents.models import Document

MAX_BID = Decimal("9999999999.99")


class BidRefused(DomainError):
    """The bid is not accepted (late, ineligible, malformed)."""


@dataclass(frozen=True)
class Receipt:
    """What the vendor keeps as proof: server UTC receipt time, version, document hashes."""

    bid_id: int
    opportunity_reference: str
    version: int
    action: str
    received_at: datetime
    documents: tuple[tuple[str, str], ...]  # (filename, sha256)


def parse_amount(raw: str | Decimal | None) -> Decimal:
    """A positive amount in dollars with at most two decimal places, below $10 billion."""
    try:
        amount = Decimal(str(raw).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        raise BidRefused("Enter the amount as a number, like 12500.00.", {"amount": ["Not a number."]}) from None
    if not amount.is_finite() or amount <= 0:
        raise BidRefused("The amount must be more than zero.", {"amount": ["Must be more than zero."]})
    if amount > MAX_BID:
        raise BidRefused("The amount is larger than any contract this marketplace handles.",
                         {"amount": ["Must be below $10,000,000,000."]})
    if amount != amount.quantize(Decimal("0.01")):
        raise BidRefused("Use at most two decimal places (cents).", {"amount": ["At most two decimal places."]})
    return amount


def live_bid(opportunity_id: int, vendor_id: int, *, for_update: bool = False) -> Bid | None:
    """The vendor's live (not withdrawn) bid on the opportunity."""
    query = sa.select(Bid).where(Bid.opportunity_id == opportunity_id, Bid.vendor_id == vendor_id,
                                 Bid.withdrawn_at.is_(None))
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def _check_open(opportunity: Opportunity, action: str, now: datetime) -> None:
    if opportunity.published_at is not None and opportunity.cancelled_at is None and now >= opportunity.closes_at:
        raise BidRefused(
            f"The closing time was {opportunity.closes_at.isoformat()} (UTC); this request reached our "
            f"server at {now.isoformat()} (UTC), after it. Nothing was changed.",
            {"closes_at": ["closed"]},
        )
    try:
        lifecycle.require(action, opportunity, now)
    except lifecycle.TransitionNotAllowed as refused:
        raise BidRefused(refused.message, refused.errors) from None


def _receipt(bid: Bid, version: BidVersion, opportunity: Opportunity) -> Receipt:
    return Receipt(
        bid_id=bid.id,
        opportunity_reference=opportunity.reference,
        version=version.version,
        action=version.action,
        received_at=version.received_at,
        documents=tuple((d.document.filename, d.document.sha256) for d in version.documents),
    )


def _email_receipt(user: User, receipt: Receipt, opportunity: Opportunity) -> None:
    # The receipt email carries time, version and hashes only: no amount, narrative or file names.
    enqueue_template(user.email, f"Receipt: {receipt.action} for {opportunity.reference}", "bid_receipt",
                     receipt=receipt, opportunity=opportunity)


def submit_bid(opportunity: Opportunity, *, user: User, amount: Decimal | str, narrative: str,
               documents: list[Document], now: datetime) -> Receipt:
    """Submit a new bid or revise the live one; accepted iff now < closes_at."""
    if user.role != "vendor" or user.vendor_id is None:
        raise NotFound("We could not find that opportunity.")
    _check_open(opportunity, "submit_bid", now)
    amount = parse_amount(amount)
    narrative = (narrative or "").strip()
    if len(narrative) > 20000:
        raise BidRefused("Keep the narrative under 20,000 characters.", {"narrative": ["Too long."]})
    vendor = db.session.get(Vendor, user.vendor_id)
    eligibility = check_set_aside(vendor, opportunity.set_aside, opportunity.institution, now.date())
    if not eligibility.eligible:
        raise BidRefused(eligibility.reason, {"set_aside": [eligibility.reason]})
    for document in documents:
        if document.vendor_id != vendor.id:
            raise NotFound("We could not find that document.")

    bid = live_bid(opportunity.id, vendor.id, for_update=True)
    try:
        with db.session.begin_nested():  # a concurrent first submission loses here, cleanly
            if bid is None:
                bid = Bid(opportunity_id=opportunity.id, vendor_id=vendor.id, submitted_by_id=user.id,
                          first_received_at=now, last_received_at=now, current_version=1)
                action = "submit"
            else:
                bid.current_version += 1
                bid.last_received_at = now
                action = "revise"
            version = BidVersion(bid=bid, version=bid.current_version, action=action, amount=amount,
                                 narrative=narrative, received_at=now, received_by_user_id=user.id)
            version.documents = [BidDocument(document_id=d.id, label="") for d in documents]
            db.session.add_all([bid, version])
            db.session.flush()
    except IntegrityError:
        raise BidRefused("Another submission of your bid arrived at the same moment. "
                         "Refresh the page to see your latest receipt.") from None
    audit.record("bid.submitted" if action == "submit" else "bid.revised", "bid", bid.id, actor=user,
                 at=now, institution_id=opportunity.institution_id,
                 detail={"opportunity_id": opportunity.id, "version": version.version})
    receipt = _receipt(bid, version, opportunity)
    _email_receipt(user, receipt, opportunity)
    return receipt


def withdraw_bid(bid: Bid, *, user: User, now: datetime) -> Receipt:
    """Withdraw the live bid before closing; the versions stay on record."""
    if user.role != "vendor" or bid.vendor_id != user.vendor_id or bid.withdrawn_at is not None:
        raise NotFound("We could not find that bid.")
    opportunity = bid.opportunity
    _check_open(opportunity, "withdraw_bid", now)
    bid.current_version += 1
    bid.withdrawn_at = now
    bid.last_received_at = now
    version = BidVersion(bid=bid, version=bid.current_version, action="withdraw", amount=None,
                         narrative="", received_at=now, received_by_user_id=user.id)
    db.session.add(version)
    db.session.flush()
    audit.record("bid.withdrawn", "bid", bid.id, actor=user, at=now,
                 institution_id=opportunity.institution_id,
                 detail={"opportunity_id": opportunity.id, "version": version.version})
    receipt = _receipt(bid, version, opportunity)
    _email_receipt(user, receipt, opportunity)
    return receipt


def can_see_contents(user: User, bid: Bid) -> bool:
    """The bidding vendor always; the institution's officers and backbone staff once opened."""
    if user.role == "vendor":
        return bid.vendor_id == user.vendor_id
    opened = bid.opportunity.opened_at is not None
    if user.role == "officer":
        return opened and user.institution_id == bid.opportunity.institution_id
    return opened and user.role == "backbone"


def get_visible_bid(bid_id: int, *, user: User) -> Bid:
    """Load a bid the user may see; any other attempt is a 404 and an audit event."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or not can_see_contents(user, bid):
        audit.record_now("bid.access_refused", "bid", bid_id, actor=user)
        raise NotFound("We could not find that bid.")
    return bid


def vendor_bids(user: User) -> list[Bid]:
    """The vendor's own bids, newest first, with their versions, documents and opportunities loaded."""
    return list(db.session.scalars(
        sa.select(Bid).where(Bid.vendor_id == user.vendor_id)
        .options(selectinload(Bid.versions).selectinload(BidVersion.documents).selectinload(BidDocument.document),
                 selectinload(Bid.opportunity).selectinload(Opportunity.institution))
        .order_by(Bid.last_received_at.desc(), Bid.id.desc())))


def ensure_accepting(opportunity: Opportunity, action: str, now: datetime) -> None:
    """Raise BidRefused (closed) or TransitionNotAllowed unless `action` ("submit_bid", "withdraw_bid") is accepted now."""
    _check_open(opportunity, action, now)


def receipt_for(bid: Bid, version_number: int) -> Receipt:
    """The receipt of one version of a bid (the caller has checked who may see the bid)."""
    version = next((v for v in bid.versions if v.version == version_number), None)
    if version is None:
        raise NotFound("We could not find that receipt.")
    return _receipt(bid, version, bid.opportunity)


def bid_document_access(user: User, document: Document) -> bool | None:
    """Access rule for the documents package: a bid's documents are sealed like the bid.

    The bidding vendor's users may download them; once the bids are opened, so may the
    institution's officers and backbone staff; nobody else. Documents not attached to a bid
    are left to the other rules (None).
    """
    bid_rows = db.session.execute(
        sa.select(Bid.vendor_id, Opportunity.institution_id, Opportunity.opened_at)
        .join(BidVersion, BidVersion.bid_id == Bid.id)
        .join(BidDocument, BidDocument.bid_version_id == BidVersion.id)
        .join(Opportunity, Opportunity.id == Bid.opportunity_id)
        .where(BidDocument.document_id == document.id)
    ).all()
    if not bid_rows:
        return None
    for vendor_id, institution_id, opened_at in bid_rows:
        if user.role == "vendor" and user.vendor_id == vendor_id:
            return True
        if opened_at is not None and (
            user.role == "backbone" or (user.role == "officer" and user.institution_id == institution_id)
        ):
            return True
    return False
