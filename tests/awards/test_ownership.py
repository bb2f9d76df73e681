"""Ownership beyond roles: another institution's officer gets 404 on award pages and changes nothing."""
from __future__ import annotations

import pytest

from marketplace import db
from marketplace.awards import services as awards
from marketplace.awards.models import Award, Contract
from tests.awards.conftest import AWARD_AT
from tests.opportunities.view_helpers import count


@pytest.fixture
def awarded(scenario, officer):
    made, = awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    db.session.commit()
    return scenario, made


def test_another_institutions_officer_gets_404_on_every_award_page(awarded, make_user, client_for, at):
    scenario, made = awarded
    at(AWARD_AT)
    stranger = client_for(make_user("officer"))
    opportunity_id = scenario.opportunity.id
    line = {"lines-0-bid_id": str(scenario.bid_id(1)), "lines-0-selected": "y", "lines-0-amount": "10.00",
            "lines-0-contract_start": "2026-04-01", "lines-0-contract_end": "2026-05-01"}
    assert stranger.post(f"/manage/opportunities/{opportunity_id}/award", data=line).status_code == 404
    assert stranger.get(f"/manage/opportunities/{opportunity_id}/awards").status_code == 404
    assert stranger.post(f"/manage/awards/{made.id}/cancel", data={f"a{made.id}-reason": "x"}).status_code == 404
    assert count(Award) == 1 and count(Contract) == 1
    assert db.session.get(Award, made.id).status == "active"


def test_contracts_page_lists_only_the_vendors_own_contracts(awarded, client_for, at):
    scenario, _ = awarded
    at(AWARD_AT)
    reference = scenario.opportunity.reference
    assert f"{reference}-C1" in client_for(scenario.bidders[0]).get("/vendor/contracts").get_data(as_text=True)
    assert f"{reference}-C1" not in client_for(scenario.bidders[1]).get("/vendor/contracts").get_data(as_text=True)


def test_the_award_notice_is_public_but_drafts_have_none(awarded, client, make_opportunity, at):
    scenario, _ = awarded
    at(AWARD_AT)
    assert client.get(f"/opportunities/{scenario.opportunity.id}/award").status_code == 200
    draft = make_opportunity(publish=False)
    db.session.commit()
    assert client.get(f"/opportunities/{draft.id}/award").status_code == 404
