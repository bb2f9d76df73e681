"""Award pages: awarding from the tabulation, managing and cancelling, the public notice, contracts, "My bids"."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.awards import services as awards
from marketplace.awards.models import Award, Contract
from marketplace.bids import services as bids
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.models import Opportunity
from tests.awards.conftest import AWARD_AT, CLOSES, END, START
from tests.opportunities.view_helpers import T0, count


def _line(index: int, bid_id: int, amount: str = "1000.00", start=START, end=END, selected: bool = True) -> dict:
    data = {f"lines-{index}-bid_id": str(bid_id), f"lines-{index}-amount": amount,
            f"lines-{index}-contract_start": start.isoformat(), f"lines-{index}-contract_end": end.isoformat()}
    if selected:
        data[f"lines-{index}-selected"] = "y"
    return data


@pytest.fixture
def officer_client(client_for, officer, at):
    at(AWARD_AT)
    return client_for(officer)


def _award(client, scenario, *lines: dict):
    data: dict = {}
    for line in lines:
        data.update(line)
    return client.post(f"/manage/opportunities/{scenario.opportunity.id}/award", data=data)


def test_the_tabulation_offers_an_award_form_for_each_live_bid(officer_client, scenario):
    page = officer_client.get(f"/opportunities/{scenario.opportunity.id}/tabulation").get_data(as_text=True)
    assert 'action="/manage/opportunities/%d/award"' % scenario.opportunity.id in page
    for user in scenario.bidders:
        assert f"Award to {user.vendor.legal_name}" in page
    assert scenario.withdrawn.vendor.legal_name not in page
    assert 'value="100.00"' in page  # the amount is pre-filled with the bid


def test_a_split_award_from_the_tabulation_creates_awards_and_contracts(officer_client, scenario):
    response = _award(officer_client, scenario, _line(0, scenario.bid_id(0), "100.00"),
                      _line(1, scenario.bid_id(1), "2,500.50"), _line(2, scenario.bid_id(2), selected=False))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/opportunities/{scenario.opportunity.id}/awards")
    made = db.session.scalars(sa.select(Award).order_by(Award.id)).all()
    assert [(a.vendor_id, str(a.amount)) for a in made] == [
        (scenario.bidders[0].vendor_id, "100.00"), (scenario.bidders[1].vendor_id, "2500.50")]
    assert count(Contract) == 2
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "-C1" in page and "-C2" in page and "$2,500.50" in page
    tabulation = officer_client.get(f"/opportunities/{scenario.opportunity.id}/tabulation").get_data(as_text=True)
    assert "Active awards" in tabulation and f"Award to {scenario.bidders[2].vendor.legal_name}" in tabulation
    assert f"Award to {scenario.bidders[0].vendor.legal_name}" not in tabulation


@pytest.mark.parametrize("amount,message", [("abc", "Not a number"), ("-3", "more than zero"),
                                            ("", "Enter the award amount"), ("1.234", "two decimal places")])
def test_bad_award_lines_are_shown_again_and_nothing_is_stored(officer_client, scenario, amount, message):
    response = _award(officer_client, scenario, _line(0, scenario.bid_id(0), amount))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Award) == 0 and count(Contract) == 0


def test_a_contract_ending_before_it_starts_is_refused_with_the_form_kept(officer_client, scenario):
    response = _award(officer_client, scenario, _line(0, scenario.bid_id(0), start=END, end=START))
    assert response.status_code == 422 and "cannot end before it starts" in response.get_data(as_text=True)
    assert count(Award) == 0


def test_submitting_without_ticking_a_bid_awards_nothing(officer_client, scenario):
    response = _award(officer_client, scenario, _line(0, scenario.bid_id(0), selected=False))
    assert response.status_code == 422 and "Choose at least one bid" in response.get_data(as_text=True)
    assert count(Award) == 0


def test_a_withdrawn_bid_cannot_be_awarded_through_a_forged_form(officer_client, scenario):
    withdrawn_bid = bids.vendor_bids(scenario.withdrawn)[0]
    response = _award(officer_client, scenario, _line(0, withdrawn_bid.id))
    assert response.status_code == 409 and count(Award) == 0


def test_awarding_before_the_bids_are_opened_is_refused(client_for, officer, make_opportunity, make_user, at):
    opportunity = make_opportunity(closes_at=CLOSES, now=T0)
    vendor = make_user("vendor")
    bids.submit_bid(opportunity, user=vendor, amount="10.00", narrative="", documents=[], now=T0)
    bid_id = bids.live_bid(opportunity.id, vendor.vendor_id).id
    at(AWARD_AT)
    response = client_for(officer).post(f"/manage/opportunities/{opportunity.id}/award", data=_line(0, bid_id))
    assert response.status_code == 409 and count(Award) == 0


def test_cancelling_an_award_from_the_manage_page(officer_client, scenario, officer):
    made, = awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    db.session.commit()
    refused = officer_client.post(f"/manage/awards/{made.id}/cancel", data={f"a{made.id}-reason": ""})
    assert refused.status_code == 422 and db.session.get(Award, made.id).status == "active"
    response = officer_client.post(f"/manage/awards/{made.id}/cancel", data={f"a{made.id}-reason": "Declined."})
    assert response.status_code == 302
    award = db.session.get(Award, made.id)
    assert award.status == "cancelled" and award.cancel_reason == "Declined."
    assert db.session.get(Opportunity, scenario.opportunity.id).awarded_at is None
    assert "award.cancelled" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_the_public_notice_shows_the_awarded_vendors_and_not_the_other_bids(client, scenario, officer, at):
    opportunity_id = scenario.opportunity.id
    at(AWARD_AT)
    assert client.get(f"/opportunities/{opportunity_id}/award").status_code == 404  # closed, not awarded yet
    awards.award_bids(scenario.opportunity, [scenario.line(0, "150.00"), scenario.line(1, "275.25")],
                      actor=officer, now=AWARD_AT)
    names = [u.vendor.legal_name for u in scenario.bidders]
    page = client.get(f"/opportunities/{opportunity_id}/award").get_data(as_text=True)
    assert names[0] in page and names[1] in page and "$150.00" in page and "$275.25" in page
    assert START.isoformat() in page and END.isoformat() in page and "split award" in page
    assert names[2] not in page and "300.00" not in page and "200.00" not in page  # losing bids stay private
    detail = client.get(f"/opportunities/{opportunity_id}").get_data(as_text=True)
    assert f"/opportunities/{opportunity_id}/award" in detail


def test_the_no_award_notice_shows_the_reason(client, scenario, officer, at):
    at(AWARD_AT)
    opportunities.mark_no_award(scenario.opportunity, "All bids exceeded the budget.", actor=officer, now=AWARD_AT)
    response = client.get(f"/opportunities/{scenario.opportunity.id}/award")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No-award notice" in page and "All bids exceeded the budget." in page


def test_my_bids_marks_the_awarded_bid_and_contracts_lists_the_contract(client_for, scenario, officer, at):
    made, = awards.award_bids(scenario.opportunity, [scenario.line(1, "222.00")], actor=officer, now=AWARD_AT)
    at(AWARD_AT)
    winner = client_for(scenario.bidders[1])
    assert "Awarded to you" in winner.get("/bids/mine").get_data(as_text=True)
    contracts = winner.get("/vendor/contracts").get_data(as_text=True)
    assert f"{scenario.opportunity.reference}-C1" in contracts and "$222.00" in contracts
    loser = client_for(scenario.bidders[0])
    mine = loser.get("/bids/mine").get_data(as_text=True)
    assert "Awarded to you" not in mine and f"/opportunities/{scenario.opportunity.id}/debrief" in mine
    assert "No contracts yet" in loser.get("/vendor/contracts").get_data(as_text=True)


def test_the_officer_opportunity_page_links_to_awards(officer_client, scenario, officer):
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    page = officer_client.get(f"/manage/opportunities/{scenario.opportunity.id}").get_data(as_text=True)
    assert "1 active award" in page and f"/manage/opportunities/{scenario.opportunity.id}/awards" in page


def test_backbone_sees_awards_on_the_tabulation_without_a_form(client_for, scenario, officer, make_user, at):
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    at(AWARD_AT + timedelta(hours=1))
    page = client_for(make_user("backbone")).get(f"/opportunities/{scenario.opportunity.id}/tabulation")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Active awards" in text and "Award the ticked bids" not in text
