"""Every opportunity and bid page renders for every role, in every status, without a server error."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import db
from marketplace.bids import services as bids
from marketplace.opportunities import services
from marketplace.opportunities.services import OpportunityInput
from tests.opportunities.view_helpers import T0, at, client_for  # noqa: F401


@pytest.fixture
def world(make_opportunity, officer, make_user):
    """A draft, an open opportunity with a bid, a question and an addendum, and the people around them."""
    draft = make_opportunity(publish=False)
    opportunity = make_opportunity(questions_deadline=T0 + timedelta(days=3))
    bidder = make_user("vendor")
    bids.submit_bid(opportunity, user=bidder, amount="10.00", narrative="n", documents=[], now=T0)
    question = services.ask_question(opportunity, "Q?", user=bidder, now=T0)
    services.answer_question(question, "A.", actor=officer, now=T0)
    services.issue_addendum(opportunity, "Note.", OpportunityInput(title=opportunity.title,
                            closes_at=opportunity.closes_at), actor=officer, now=T0)
    db.session.commit()
    bid = bids.live_bid(opportunity.id, bidder.vendor_id)
    people = {"bidder": bidder, "vendor": make_user("vendor"), "officer": officer,
              "other officer": make_user("officer"), "backbone": make_user("backbone")}
    db.session.commit()
    return draft, opportunity, bid, people


def _paths(draft, opportunity, bid):
    o, d = opportunity.id, draft.id
    return ["/opportunities", f"/opportunities/{o}", f"/opportunities/{o}/closing.ics", f"/opportunities/{d}",
            f"/opportunities/{o}/questions", f"/opportunities/{o}/bid", "/bids/mine", f"/bids/{bid.id}",
            f"/bids/{bid.id}/receipt", f"/bids/{bid.id}/withdraw", f"/opportunities/{o}/tabulation",
            f"/opportunities/{o}/tabulation.csv", "/manage/opportunities", "/manage/opportunities/new",
            f"/manage/opportunities/{o}", f"/manage/opportunities/{d}", f"/manage/opportunities/{d}/edit",
            f"/manage/opportunities/{d}/preview", f"/manage/opportunities/{o}/addendum",
            f"/manage/opportunities/{o}/cancel", f"/manage/opportunities/{o}/no-award"]


@pytest.mark.parametrize("moment", ["open", "closed", "opened"])
def test_every_page_renders_for_every_role(app, client_for, world, at, officer, moment):
    draft, opportunity, bid, people = world
    if moment != "open":
        at(opportunity.closes_at + timedelta(minutes=1))
    if moment == "opened":
        services.open_bids(db.session.get(type(opportunity), opportunity.id), actor=officer,
                           now=opportunity.closes_at + timedelta(minutes=1))
        db.session.commit()
    clients = {"anonymous": app.test_client(), **{name: client_for(user) for name, user in people.items()}}
    failures = []
    for name, client in clients.items():
        for path in _paths(draft, opportunity, bid):
            response = client.get(path)
            if response.status_code not in (200, 302, 403, 404, 409):
                failures.append((name, path, response.status_code))
    assert failures == []
