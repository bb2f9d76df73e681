"""Award rules: split awards from an opened opportunity's bids, contracts, cancellation, notices.

Every function takes the acting user and the request's single clock reading `now`; they
flush but never commit; each change writes an audit event in the same transaction. A refused
award changes nothing: every line is checked before anything is written, and the writes run
in one savepoint so the database's one-active-award-per-vendor index can still refuse a race.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.awards import notify
from marketplace.awards.models import Award, Contract
from marketplace.bids.models import Bid
from marketplace.errors import DomainError, NotFound
from marketplace.institutions.models import Institution
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.services import ensure_officer_of
from marketplace.timezones import utc_to_local
from marketplace.vendors.eligibility import check_set_aside
from marketplace.vendors.models import Vendor

MAX_AMOUNT = Decimal("9999999999.99")


class AwardRefused(DomainError):
    """The award (or its cancellation) is refused; nothing was changed."""


@dataclass(frozen=True)
class AwardLine:
    """One bid to award: the amount and the contract's first and last days."""

    bid_id: int
    amount: Decimal
    contract_start: date
    contract_end: date


@dataclass(frozen=True)
class Notice:
    """What the public award notice shows."""

    opportunity: Opportunity
    status: str
    awards: tuple[Award, ...]
    cancelled: tuple[Award, ...]

    @property
    def total(self) -> Decimal:
        """The sum of the active awards."""
        return sum((a.amount for a in self.awards), Decimal("0.00"))


def parse_amount(raw: str | Decimal | None, key: str = "amount") -> Decimal:
    """A positive amount in dollars with at most two decimal places, below $10 billion."""
    if isinstance(raw, float):
        raise TypeError("money must be a Decimal, not a float")
    try:
        amount = Decimal(str(raw).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        raise AwardRefused("Enter the amount as a number, like 12500.00.", {key: ["Not a number."]}) from None
    if not amount.is_finite() or amount <= 0:
        raise AwardRefused("The award amount must be more than zero.", {key: ["Must be more than zero."]})
    if amount > MAX_AMOUNT:
        raise AwardRefused("The amount is larger than any contract this marketplace handles.",
                           {key: ["Must be below $10,000,000,000."]})
    if amount != amount.quantize(Decimal("0.01")):
        raise AwardRefused("Use at most two decimal places (cents).", {key: ["At most two decimal places."]})
    return amount


def award_date(opportunity: Opportunity, now: datetime) -> date:
    """The date of an award made `now`, in the institution's zone (eligibility is checked on it)."""
    return utc_to_local(now, opportunity.institution.timezone).date()


def can_award(opportunity: Opportunity, actor: User, now: datetime) -> bool:
    """True when `actor` may award this opportunity now (its officer; closed or awarded; bids opened)."""
    return (actor.role == "officer" and actor.institution_id == opportunity.institution_id
            and opportunity.opened_at is not None
            and lifecycle.status(opportunity, now) in lifecycle.ALLOWED["award"])


def active_awards(opportunity: Opportunity) -> list[Award]:
    """The opportunity's active awards, in the order they were made."""
    return list(db.session.scalars(
        sa.select(Award).where(Award.opportunity_id == opportunity.id, Award.status == "active")
        .options(selectinload(Award.vendor)).order_by(Award.awarded_at, Award.id)))


def all_awards(opportunity: Opportunity) -> list[Award]:
    """Every award of the opportunity, active and cancelled, oldest first."""
    return list(db.session.scalars(
        sa.select(Award).where(Award.opportunity_id == opportunity.id)
        .options(selectinload(Award.vendor)).order_by(Award.awarded_at, Award.id)))


def contracts_by_award(awards: list[Award]) -> dict[int, Contract]:
    """The contract each award created, by award id."""
    if not awards:
        return {}
    return {c.award_id: c for c in db.session.scalars(
        sa.select(Contract).where(Contract.award_id.in_([a.id for a in awards])))}


def _check_line(opportunity: Opportunity, line: AwardLine, bid: Bid | None, on: date) -> tuple[Bid, Decimal]:
    if bid is None or bid.opportunity_id != opportunity.id or bid.withdrawn_at is not None:
        raise AwardRefused("Only a live bid on this opportunity can be awarded; that bid is not one.",
                           {"bid_id": ["Not a live bid on this opportunity."]})
    name = bid.vendor.legal_name
    amount = parse_amount(line.amount)
    if line.contract_end < line.contract_start:
        raise AwardRefused(f"{name}: the contract cannot end before it starts.",
                           {"contract_end": ["Must be on or after the start date."]})
    eligibility = check_set_aside(bid.vendor, opportunity.set_aside, opportunity.institution, on)
    if not eligibility.eligible:
        raise AwardRefused(f"{name} is not eligible for this set-aside on the award date, {on.isoformat()}: "
                           f"{eligibility.reason}", {"set_aside": [eligibility.reason]})
    return bid, amount


def award_bids(opportunity: Opportunity, lines: list[AwardLine], *, actor: User, now: datetime) -> list[Award]:
    """Award one or more live bids (a split award); each creates a contract; everyone interested is told."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("award", opportunity, now)
    if opportunity.opened_at is None:
        raise AwardRefused("Open the bids before awarding: an award is made from the bid tabulation.")
    if not lines:
        raise AwardRefused("Choose at least one bid to award.", {"lines": ["Choose at least one bid."]})
    on = award_date(opportunity, now)
    bids = {b.id: b for b in db.session.scalars(
        sa.select(Bid).where(Bid.id.in_([line.bid_id for line in lines]))
        .options(selectinload(Bid.vendor).selectinload(Vendor.certifications)))}
    checked = [_check_line(opportunity, line, bids.get(line.bid_id), on) for line in lines]
    vendor_ids = [bid.vendor_id for bid, _ in checked]
    if len(set(vendor_ids)) != len(vendor_ids):
        raise AwardRefused("Each vendor can be awarded once per opportunity; a vendor is listed twice.")
    already = set(db.session.scalars(sa.select(Award.vendor_id).where(
        Award.opportunity_id == opportunity.id, Award.status == "active", Award.vendor_id.in_(vendor_ids))))
    if already:
        names = ", ".join(sorted(bid.vendor.legal_name for bid, _ in checked if bid.vendor_id in already))
        raise AwardRefused(f"{names} already holds an active award on this opportunity. "
                           "Cancel that award first to award it again.")

    numbered = db.session.scalar(sa.select(sa.func.count()).select_from(Award).where(
        Award.opportunity_id == opportunity.id)) or 0
    made: list[tuple[Award, Contract]] = []
    try:
        with db.session.begin_nested():
            for index, ((bid, amount), line) in enumerate(zip(checked, lines, strict=True), start=1):
                award = Award(opportunity_id=opportunity.id, vendor_id=bid.vendor_id, bid_id=bid.id,
                              amount=amount, contract_start=line.contract_start, contract_end=line.contract_end,
                              status="active", awarded_at=now, awarded_by_id=actor.id)
                db.session.add(award)
                db.session.flush()
                contract = Contract(award_id=award.id, institution_id=opportunity.institution_id,
                                    vendor_id=bid.vendor_id, number=f"{opportunity.reference}-C{numbered + index}",
                                    title=opportunity.title[:300], amount=amount, start_on=line.contract_start,
                                    end_on=line.contract_end, created_at=now)
                db.session.add(contract)
                db.session.flush()
                made.append((award, contract))
    except IntegrityError:  # a colleague awarded the same vendor (or numbered a contract) at the same moment
        raise AwardRefused("Another award on this opportunity was being recorded at the same moment. "
                           "Nothing was changed; reload the tabulation and try again.") from None
    if opportunity.awarded_at is None:
        opportunity.awarded_at = now
    opportunity.updated_at = now
    for award, contract in made:
        audit.record("award.created", "award", award.id, actor=actor, at=now,
                     institution_id=opportunity.institution_id,
                     detail={"opportunity_id": opportunity.id, "vendor_id": award.vendor_id, "bid_id": award.bid_id,
                             "amount": str(award.amount), "contract_start": award.contract_start.isoformat(),
                             "contract_end": award.contract_end.isoformat(), "contract_id": contract.id,
                             "contract_number": contract.number, "eligibility_checked_on": on.isoformat()})
    awards = [award for award, _ in made]
    notify.awarded(opportunity, awards, active_awards(opportunity), now)
    return awards


def get_award_for_officer(award_id: int, actor: User) -> Award:
    """Load an award of the officer's institution, or raise NotFound."""
    award = db.session.get(Award, award_id)
    if award is None:
        raise NotFound("We could not find that award.")
    ensure_officer_of(award.opportunity, actor)
    return award


def cancel_award(award: Award, reason: str, *, actor: User, now: datetime) -> None:
    """Cancel an active award with a reason; its contract stays on record; no award left means closed again."""
    opportunity = award.opportunity
    ensure_officer_of(opportunity, actor)
    if award.status != "active":
        raise AwardRefused("This award is already cancelled.")
    if opportunity.cancelled_at is not None or opportunity.no_award_at is not None:
        raise AwardRefused("This opportunity is closed for good; its awards can no longer change.")
    reason = (reason or "").strip()
    if not reason:
        raise AwardRefused("Give a reason for cancelling the award.", {"reason": ["Enter a reason."]})
    award.status = "cancelled"
    award.cancelled_at = now
    award.cancel_reason = reason
    db.session.flush()
    remaining = active_awards(opportunity)
    if not remaining:
        opportunity.awarded_at = None
    opportunity.updated_at = now
    contract = db.session.scalar(sa.select(Contract).where(Contract.award_id == award.id))
    audit.record("award.cancelled", "award", award.id, actor=actor, at=now, institution_id=opportunity.institution_id,
                 detail={"opportunity_id": opportunity.id, "vendor_id": award.vendor_id, "reason": reason,
                         "contract_number": contract.number if contract else None,
                         "active_awards_left": len(remaining)})
    notify.award_cancelled(opportunity, award, now)


def notice(opportunity: Opportunity, now: datetime) -> Notice:
    """The public notice of a published opportunity that is awarded or not awarded (else NotFound)."""
    status = lifecycle.status(opportunity, now)
    if opportunity.published_at is None or status not in ("awarded", "no_award"):
        raise NotFound("There is no award notice for this opportunity.")
    awards = all_awards(opportunity) if status == "awarded" else []
    return Notice(opportunity, status, tuple(a for a in awards if a.status == "active"),
                  tuple(a for a in awards if a.status == "cancelled"))


def awarded_bid_ids(vendor_id: int) -> set[int]:
    """The vendor's bids that hold an active award."""
    return set(db.session.scalars(sa.select(Award.bid_id).where(
        Award.vendor_id == vendor_id, Award.status == "active", Award.bid_id.is_not(None))))


def vendor_contracts(vendor_id: int) -> list[tuple[Contract, Award | None, str]]:
    """The vendor's contracts, newest first, each with the award that created it and the institution's name."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Contract, Award, Institution.name)
        .join(Institution, Institution.id == Contract.institution_id)
        .outerjoin(Award, Award.id == Contract.award_id)
        .where(Contract.vendor_id == vendor_id)
        .order_by(Contract.start_on.desc(), Contract.id.desc()))]
