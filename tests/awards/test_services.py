"""Award services: split awards, one active award per vendor (service and index), cancellation, refusals."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.awards import services as awards
from marketplace.awards.models import Award, Contract
from marketplace.bids import services as bids
from marketplace.errors import DomainError, NotFound
from marketplace.mail.models import OutboxMessage
from marketplace.opportunities import lifecycle
from marketplace.opportunities import services as opportunities
from marketplace.vendors.models import Certification
from tests.awards.conftest import AWARD_AT, CLOSES, END, OPENED, START
from tests.opportunities.view_helpers import T0, count


def _state() -> tuple[int, int, int, int]:
    return count(Award), count(Contract), count(AuditEvent), count(OutboxMessage)


def test_split_award_creates_one_award_and_one_numbered_contract_per_vendor(scenario, officer):
    opportunity = scenario.opportunity
    made = awards.award_bids(opportunity, [scenario.line(0, "100.00"), scenario.line(1, "150.50")],
                             actor=officer, now=AWARD_AT)
    assert [a.vendor_id for a in made] == [scenario.bidders[0].vendor_id, scenario.bidders[1].vendor_id]
    assert [a.amount for a in made] == [Decimal("100.00"), Decimal("150.50")]
    assert all(a.status == "active" and a.awarded_by_id == officer.id and a.awarded_at == AWARD_AT for a in made)
    contracts = awards.contracts_by_award(made)
    assert [contracts[a.id].number for a in made] == [f"{opportunity.reference}-C1", f"{opportunity.reference}-C2"]
    first = contracts[made[0].id]
    assert (first.institution_id, first.vendor_id, first.amount, first.start_on, first.end_on, first.title) == (
        opportunity.institution_id, made[0].vendor_id, Decimal("100.00"), START, END, opportunity.title)
    assert opportunity.awarded_at == AWARD_AT and lifecycle.status(opportunity, AWARD_AT) == "awarded"
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "award.created")).all()
    assert sorted(e.object_id for e in events) == sorted(str(a.id) for a in made)
    assert events[0].actor_user_id == officer.id and events[0].institution_id == opportunity.institution_id
    assert events[0].detail["contract_number"].endswith("-C1") and events[0].detail["amount"] == "100.00"


def test_a_vendor_with_an_active_award_cannot_be_awarded_again(scenario, officer):
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    before = _state()
    with pytest.raises(DomainError) as refused:
        awards.award_bids(scenario.opportunity, [scenario.line(1), scenario.line(0)], actor=officer,
                          now=AWARD_AT + timedelta(hours=1))
    assert "already holds an active award" in refused.value.message
    assert _state() == before  # the other vendor's line was not written either


def test_listing_the_same_vendor_twice_in_one_award_is_refused(scenario, officer):
    with pytest.raises(DomainError, match="listed twice"):
        awards.award_bids(scenario.opportunity, [scenario.line(0), scenario.line(0)], actor=officer, now=AWARD_AT)
    assert count(Award) == 0


def test_the_database_index_rejects_a_second_active_award_for_the_same_vendor(scenario, officer):
    first, = awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)

    def duplicate(status: str) -> Award:
        return Award(opportunity_id=first.opportunity_id, vendor_id=first.vendor_id, bid_id=first.bid_id,
                     amount=Decimal("5.00"), contract_start=START, contract_end=END, status=status,
                     awarded_at=AWARD_AT, awarded_by_id=officer.id)

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(duplicate("active"))
            db.session.flush()
    with db.session.begin_nested():  # a cancelled row for the same vendor is fine
        db.session.add(duplicate("cancelled"))
        db.session.flush()
    assert count(Award) == 2


def test_cancelling_keeps_the_contract_and_the_vendor_can_be_awarded_again(scenario, officer):
    opportunity = scenario.opportunity
    first, = awards.award_bids(opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    awards.cancel_award(first, "Insurance certificate was not provided.", actor=officer,
                        now=AWARD_AT + timedelta(hours=1))
    assert first.status == "cancelled" and first.cancel_reason == "Insurance certificate was not provided."
    assert opportunity.awarded_at is None and lifecycle.status(opportunity, AWARD_AT) == "closed"
    assert count(Contract) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "award.cancelled"))
    assert event.object_id == str(first.id) and event.detail["contract_number"].endswith("-C1")
    again, = awards.award_bids(opportunity, [scenario.line(0, "120.00")], actor=officer,
                               now=AWARD_AT + timedelta(hours=2))
    assert again.id != first.id and again.status == "active"
    assert awards.contracts_by_award([again])[again.id].number == f"{opportunity.reference}-C2"
    assert opportunity.awarded_at == AWARD_AT + timedelta(hours=2)


def test_cancelling_one_of_a_split_award_keeps_the_opportunity_awarded(scenario, officer):
    first, second = awards.award_bids(scenario.opportunity, [scenario.line(0), scenario.line(1)], actor=officer,
                                      now=AWARD_AT)
    awards.cancel_award(second, "Declined the contract.", actor=officer, now=AWARD_AT + timedelta(hours=1))
    assert scenario.opportunity.awarded_at == AWARD_AT
    assert [a.id for a in awards.active_awards(scenario.opportunity)] == [first.id]
    with pytest.raises(DomainError, match="already cancelled"):
        awards.cancel_award(second, "Again.", actor=officer, now=AWARD_AT + timedelta(hours=2))
    with pytest.raises(DomainError, match="reason"):
        awards.cancel_award(first, "  ", actor=officer, now=AWARD_AT + timedelta(hours=2))


def test_set_aside_eligibility_is_checked_again_on_the_award_date(make_opportunity, officer, make_user):
    opportunity = make_opportunity(closes_at=CLOSES, now=T0, set_aside="small")
    lapsed, holder = make_user("vendor"), make_user("vendor")
    for user, expires in ((lapsed, date(2026, 3, 17)), (holder, date(2027, 1, 1))):
        db.session.add(Certification(vendor_id=user.vendor_id, type="SBE", agency="City OEO", number="S-1",
                                     effective_on=date(2025, 1, 1), expires_on=expires, status="verified",
                                     created_at=T0))
        db.session.flush()
        bids.submit_bid(opportunity, user=user, amount="100.00", narrative="", documents=[], now=T0)
    opportunities.open_bids(opportunity, actor=officer, now=OPENED)
    line = lambda user: awards.AwardLine(bids.live_bid(opportunity.id, user.vendor_id).id,  # noqa: E731
                                         Decimal("100.00"), START, END)
    with pytest.raises(DomainError) as refused:  # AWARD_AT is March 18: the certificate expired on the 17th
        awards.award_bids(opportunity, [line(holder), line(lapsed)], actor=officer, now=AWARD_AT)
    assert "not eligible for this set-aside on the award date, 2026-03-18" in refused.value.message
    assert count(Award) == 0 and opportunity.awarded_at is None
    made, = awards.award_bids(opportunity, [line(holder)], actor=officer, now=AWARD_AT)
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "award.created"))
    assert made.vendor_id == holder.vendor_id and audit.detail["eligibility_checked_on"] == "2026-03-18"


@pytest.mark.parametrize("amount", ["0", "-5.00", "10.005", "NaN", "Infinity", "99999999999.00"])
def test_bad_amounts_are_refused_and_nothing_is_written(scenario, officer, amount):
    before = _state()
    with pytest.raises(DomainError):
        awards.award_bids(scenario.opportunity, [scenario.line(0, amount)], actor=officer, now=AWARD_AT)
    assert _state() == before and scenario.opportunity.awarded_at is None


def test_a_contract_that_ends_before_it_starts_is_refused(scenario, officer):
    with pytest.raises(DomainError, match="cannot end before it starts"):
        awards.award_bids(scenario.opportunity, [scenario.line(0, start=END, end=START)], actor=officer, now=AWARD_AT)
    assert count(Award) == 0


def test_withdrawn_foreign_or_missing_bids_cannot_be_awarded(scenario, officer, make_opportunity, make_user):
    withdrawn = bids.vendor_bids(scenario.withdrawn)[0]
    other = make_opportunity(closes_at=CLOSES, now=T0)
    stranger = make_user("vendor")
    bids.submit_bid(other, user=stranger, amount="10.00", narrative="", documents=[], now=T0)
    foreign = bids.live_bid(other.id, stranger.vendor_id)
    before = _state()
    for bid_id in (withdrawn.id, foreign.id, 999999):
        with pytest.raises(DomainError, match="live bid on this opportunity"):
            awards.award_bids(scenario.opportunity, [awards.AwardLine(bid_id, Decimal("10.00"), START, END)],
                              actor=officer, now=AWARD_AT)
    with pytest.raises(DomainError, match="at least one"):
        awards.award_bids(scenario.opportunity, [], actor=officer, now=AWARD_AT)
    assert _state() == before


def test_only_an_officer_of_the_institution_can_award(scenario, make_user):
    for actor in (make_user("officer"), make_user("backbone"), scenario.bidders[0]):
        with pytest.raises(NotFound):
            awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=actor, now=AWARD_AT)
    assert count(Award) == 0


def test_awarding_needs_a_closed_and_opened_opportunity(make_opportunity, officer, make_user):
    opportunity = make_opportunity(closes_at=CLOSES, now=T0)
    vendor = make_user("vendor")
    bids.submit_bid(opportunity, user=vendor, amount="10.00", narrative="", documents=[], now=T0)
    line = awards.AwardLine(bids.live_bid(opportunity.id, vendor.vendor_id).id, Decimal("10.00"), START, END)
    with pytest.raises(lifecycle.TransitionNotAllowed):  # still open
        awards.award_bids(opportunity, [line], actor=officer, now=T0)
    with pytest.raises(DomainError, match="Open the bids"):  # closed, still sealed
        awards.award_bids(opportunity, [line], actor=officer, now=AWARD_AT)
    assert count(Award) == 0 and opportunity.awarded_at is None


def test_no_award_and_award_exclude_each_other(scenario, officer):
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        opportunities.mark_no_award(scenario.opportunity, "Over budget.", actor=officer, now=AWARD_AT)


def test_nothing_can_be_awarded_after_a_no_award(scenario, officer):
    opportunities.mark_no_award(scenario.opportunity, "Over budget.", actor=officer, now=AWARD_AT)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)


def test_more_bids_can_be_added_to_an_award_later(scenario, officer):
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    later, = awards.award_bids(scenario.opportunity, [scenario.line(2)], actor=officer, now=AWARD_AT + timedelta(days=1))
    assert awards.contracts_by_award([later])[later.id].number.endswith("-C2")
    assert scenario.opportunity.awarded_at == AWARD_AT


def test_vendor_sees_its_contracts_and_awarded_bids(scenario, officer):
    made, = awards.award_bids(scenario.opportunity, [scenario.line(1)], actor=officer, now=AWARD_AT)
    vendor_id = scenario.bidders[1].vendor_id
    assert awards.awarded_bid_ids(vendor_id) == {made.bid_id}
    (contract, award, institution_name), = awards.vendor_contracts(vendor_id)
    assert award.id == made.id and contract.number.endswith("-C1") and institution_name
    assert awards.vendor_contracts(scenario.bidders[0].vendor_id) == []
