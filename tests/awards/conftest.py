"""An opened opportunity with bids, followers and askers, ready to award."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace import db
from marketplace.auth.models import User
from marketplace.awards import services as awards
from marketplace.bids import services as bids
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.models import Opportunity
from tests.opportunities.conftest import make_opportunity, officer  # noqa: F401 (shared fixtures)
from tests.opportunities.view_helpers import T0, at, client_for  # noqa: F401 (shared fixtures)

CLOSES = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)
OPENED = CLOSES + timedelta(hours=1)
AWARD_AT = CLOSES + timedelta(days=2)
START, END = date(2026, 4, 1), date(2027, 3, 31)


@dataclass
class Scenario:
    """An opened opportunity: three live bidders (100, 200, 300), one withdrawn bidder, a follower, an asker."""

    opportunity: Opportunity
    bidders: list[User]
    withdrawn: User
    follower: User
    asker: User

    def bid_id(self, index: int) -> int:
        """The live bid of bidder `index`."""
        return bids.live_bid(self.opportunity.id, self.bidders[index].vendor_id).id

    def line(self, index: int, amount: str = "1000.00", start: date = START, end: date = END) -> awards.AwardLine:
        """An award line for bidder `index`."""
        return awards.AwardLine(self.bid_id(index), Decimal(amount), start, end)


@pytest.fixture
def scenario(make_opportunity, officer, make_user) -> Scenario:
    opportunity = make_opportunity(closes_at=CLOSES, now=T0)
    bidders = [make_user("vendor") for _ in range(3)]
    for user, amount in zip(bidders, ("100.00", "200.00", "300.00"), strict=True):
        bids.submit_bid(opportunity, user=user, amount=amount, narrative="", documents=[], now=T0)
    withdrawn = make_user("vendor")
    bids.submit_bid(opportunity, user=withdrawn, amount="50.00", narrative="", documents=[], now=T0)
    bids.withdraw_bid(bids.live_bid(opportunity.id, withdrawn.vendor_id), user=withdrawn, now=T0)
    follower, asker = make_user("vendor"), make_user("vendor")
    opportunities.follow(opportunity, user=follower, now=T0)
    opportunities.ask_question(opportunity, "Is weekend work included?", user=asker, now=T0)
    opportunities.open_bids(opportunity, actor=officer, now=OPENED)
    db.session.commit()  # releases the test's savepoint only: a refused request's rollback keeps this setup
    return Scenario(opportunity, bidders, withdrawn, follower, asker)
