"""The closing rule: accepted iff received_at < closes_at, to the microsecond, in any zone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidVersion
from marketplace.timezones import local_to_utc

ONE_US = timedelta(microseconds=1)


def _opportunity_closing_at_local(make_opportunity, officer, tz: str, local: datetime):
    officer.institution.timezone = tz
    closes_at = local_to_utc(local, tz)
    publish_at = closes_at - timedelta(days=10)
    return make_opportunity(now=publish_at, closes_at=closes_at), closes_at


def _count_versions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BidVersion))


@pytest.mark.parametrize("tz, local, expected_utc", [
    ("America/Chicago", datetime(2026, 6, 15, 14, 0), datetime(2026, 6, 15, 19, 0, tzinfo=UTC)),
    ("America/Los_Angeles", datetime(2026, 12, 1, 17, 0), datetime(2026, 12, 2, 1, 0, tzinfo=UTC)),
    # Published in EST, closing after the March 8, 2026 switch to EDT (UTC-4, not UTC-5).
    ("America/New_York", datetime(2026, 3, 10, 14, 0), datetime(2026, 3, 10, 18, 0, tzinfo=UTC)),
])
def test_bid_one_microsecond_before_closing_is_accepted_at_and_after_refused(
        make_opportunity, officer, make_user, tz, local, expected_utc):
    opp, closes_at = _opportunity_closing_at_local(make_opportunity, officer, tz, local)
    assert closes_at == expected_utc
    on_time, exactly, late = make_user("vendor"), make_user("vendor"), make_user("vendor")

    receipt = bids.submit_bid(opp, user=on_time, amount="1000.00", narrative="", documents=[],
                              now=closes_at - ONE_US)
    assert receipt.received_at == closes_at - ONE_US
    before = _count_versions()
    for user, now in ((exactly, closes_at), (late, closes_at + ONE_US)):
        with pytest.raises(bids.BidRefused):
            bids.submit_bid(opp, user=user, amount="900.00", narrative="", documents=[], now=now)
    assert _count_versions() == before


def test_revision_and_withdrawal_follow_the_same_rule(make_opportunity, make_user):
    opp = make_opportunity()
    vendor = make_user("vendor")
    bids.submit_bid(opp, user=vendor, amount="500", narrative="v1", documents=[], now=opp.closes_at - timedelta(hours=1))
    receipt = bids.submit_bid(opp, user=vendor, amount="450", narrative="v2", documents=[], now=opp.closes_at - ONE_US)
    assert receipt.version == 2 and receipt.action == "revise"
    bid = bids.live_bid(opp.id, vendor.vendor_id)
    with pytest.raises(bids.BidRefused):
        bids.withdraw_bid(bid, user=vendor, now=opp.closes_at)
    assert bid.withdrawn_at is None and bid.current_version == 2


def test_withdraw_then_bid_again_keeps_every_version(make_opportunity, make_user):
    opp = make_opportunity()
    vendor = make_user("vendor")
    t = opp.closes_at - timedelta(hours=3)
    bids.submit_bid(opp, user=vendor, amount="500", narrative="first", documents=[], now=t)
    bids.withdraw_bid(bids.live_bid(opp.id, vendor.vendor_id), user=vendor, now=t + timedelta(minutes=1))
    bids.submit_bid(opp, user=vendor, amount="480", narrative="again", documents=[], now=t + timedelta(minutes=2))
    all_bids = db.session.scalars(sa.select(Bid).where(Bid.vendor_id == vendor.vendor_id)).all()
    assert len(all_bids) == 2
    assert sum(1 for b in all_bids if b.withdrawn_at is None) == 1
    assert _count_versions() == 3


@pytest.mark.parametrize("raw", ["-5", "0", "abc", "1e30", "12.345", "NaN", "Infinity", ""])
def test_negative_absurd_or_malformed_amounts_are_refused(make_opportunity, make_user, raw):
    opp = make_opportunity()
    with pytest.raises(bids.BidRefused):
        bids.submit_bid(opp, user=make_user("vendor"), amount=raw, narrative="", documents=[],
                        now=opp.closes_at - timedelta(hours=1))
    assert _count_versions() == 0


def test_bid_on_a_draft_or_cancelled_opportunity_is_refused(make_opportunity, officer, make_user):
    from marketplace.opportunities import services as opps

    draft = make_opportunity(publish=False)
    cancelled = make_opportunity()
    opps.cancel(cancelled, "No longer needed", actor=officer, now=cancelled.closes_at - timedelta(days=1))
    for opp in (draft, cancelled):
        with pytest.raises(bids.BidRefused):
            bids.submit_bid(opp, user=make_user("vendor"), amount="10", narrative="", documents=[],
                            now=opp.closes_at - timedelta(days=1))
    assert _count_versions() == 0


def test_nonexistent_local_time_on_spring_forward_is_refused():
    from marketplace.errors import DomainError

    with pytest.raises(DomainError):
        local_to_utc(datetime(2026, 3, 8, 2, 30), "America/New_York")


def test_amount_is_money_not_float(make_opportunity, make_user):
    opp = make_opportunity()
    vendor = make_user("vendor")
    bids.submit_bid(opp, user=vendor, amount="1234.50", narrative="", documents=[], now=opp.closes_at - ONE_US)
    version = db.session.scalars(sa.select(BidVersion)).one()
    db.session.expire(version)
    assert version.amount == Decimal("1234.50") and isinstance(version.amount, Decimal)
