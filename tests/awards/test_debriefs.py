"""Debriefs: unsuccessful bidders ask once after the award; the institution's officers answer; all audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.awards import debriefs
from marketplace.awards import services as awards
from marketplace.awards.models import DebriefRequest
from marketplace.errors import DomainError, NotFound
from marketplace.mail.models import OutboxMessage
from tests.awards.conftest import AWARD_AT
from tests.opportunities.view_helpers import count

ASKED = AWARD_AT + timedelta(days=1)


@pytest.fixture
def awarded(scenario, officer):
    """Bidder 0 wins; bidders 1 and 2 are unsuccessful."""
    awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    db.session.commit()
    return scenario


def test_an_unsuccessful_bidder_requests_a_debrief_once(awarded, make_user):
    loser = awarded.bidders[1]
    made = debriefs.request_debrief(awarded.opportunity, "  How was price weighted?  ", user=loser, now=ASKED)
    assert (made.vendor_id, made.requested_by_id, made.message) == (loser.vendor_id, loser.id, "How was price weighted?")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "debrief.requested"))
    assert event.object_id == str(made.id) and event.institution_id == awarded.opportunity.institution_id
    with pytest.raises(DomainError, match="already requested"):
        debriefs.request_debrief(awarded.opportunity, "", user=loser, now=ASKED)
    colleague_of_loser = make_user("vendor", vendor_id=loser.vendor_id)
    with pytest.raises(DomainError, match="already requested"):
        debriefs.request_debrief(awarded.opportunity, "", user=colleague_of_loser, now=ASKED)
    assert count(DebriefRequest) == 1


def test_the_winner_a_follower_and_a_withdrawn_bidder_cannot_request_a_debrief(awarded):
    with pytest.raises(DomainError, match="was awarded"):
        debriefs.request_debrief(awarded.opportunity, "", user=awarded.bidders[0], now=ASKED)
    for user in (awarded.follower, awarded.withdrawn):
        with pytest.raises(DomainError, match="no live bid"):
            debriefs.request_debrief(awarded.opportunity, "", user=user, now=ASKED)
    assert count(DebriefRequest) == 0


def test_no_debrief_before_the_award(scenario):
    with pytest.raises(DomainError, match="once the opportunity is awarded"):
        debriefs.request_debrief(scenario.opportunity, "", user=scenario.bidders[1], now=ASKED)


def test_officers_answer_only_their_institutions_requests(awarded, officer, make_user):
    made = debriefs.request_debrief(awarded.opportunity, "", user=awarded.bidders[2], now=ASKED)
    assert [row.request.id for row in debriefs.for_institution(officer.institution_id, answered=False)] == [made.id]
    stranger = make_user("officer")
    assert debriefs.for_institution(stranger.institution_id, answered=False) == []
    with pytest.raises(NotFound):
        debriefs.get_for_officer(made.id, stranger)
    row = debriefs.get_for_officer(made.id, officer)
    with pytest.raises(DomainError, match="Enter"):
        debriefs.answer_debrief(row, " ", actor=officer, now=ASKED)
    debriefs.answer_debrief(row, "Your price was 3rd of 3.", actor=officer, now=ASKED + timedelta(hours=1))
    assert made.responded_at == ASKED + timedelta(hours=1) and made.response == "Your price was 3rd of 3."
    assert debriefs.open_count(awarded.opportunity.id) == 0
    with pytest.raises(DomainError, match="already been answered"):
        debriefs.answer_debrief(row, "Again", actor=officer, now=ASKED)
    assert "debrief.answered" in db.session.scalars(sa.select(AuditEvent.action)).all()
    email = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == awarded.bidders[2].email,
                                                             OutboxMessage.subject.like("Your debrief%")))
    assert "Your price was 3rd of 3." in email.body_text


def test_the_debrief_flow_through_the_pages(awarded, officer, client_for, at):
    at(ASKED)
    loser = client_for(awarded.bidders[1])
    url = f"/opportunities/{awarded.opportunity.id}/debrief"
    assert "Request a debrief" in loser.get(url).get_data(as_text=True)
    response = loser.post(url, data={"message": "Please explain the scoring."})
    assert response.status_code == 302
    assert loser.post(url, data={"message": "Again"}).status_code == 409
    assert count(DebriefRequest) == 1
    assert "Not answered yet" in loser.get(url).get_data(as_text=True)
    assert client_for(awarded.bidders[0]).get(url).status_code == 409  # the winner

    officer_client = client_for(officer)
    detail = officer_client.get(f"/manage/opportunities/{awarded.opportunity.id}").get_data(as_text=True)
    assert "1 open debrief request" in detail
    page = officer_client.get("/manage/debriefs").get_data(as_text=True)
    assert "Please explain the scoring." in page and awarded.bidders[1].vendor.legal_name in page
    made = db.session.scalar(sa.select(DebriefRequest))
    assert officer_client.post(f"/manage/debriefs/{made.id}/answer", data={f"d{made.id}-response": ""}).status_code == 422
    response = officer_client.post(f"/manage/debriefs/{made.id}/answer",
                                   data={f"d{made.id}-response": "Scored 72 of 100 on approach."})
    assert response.status_code == 302
    assert "Scored 72 of 100 on approach." in loser.get(url).get_data(as_text=True)
    assert "No open debrief requests" in officer_client.get("/manage/debriefs").get_data(as_text=True)


def test_another_institutions_officer_cannot_see_or_answer_a_debrief(awarded, make_user, client_for, at):
    made = debriefs.request_debrief(awarded.opportunity, "Secret question", user=awarded.bidders[1], now=ASKED)
    db.session.commit()
    at(ASKED)
    stranger = client_for(make_user("officer"))
    assert "Secret question" not in stranger.get("/manage/debriefs").get_data(as_text=True)
    response = stranger.post(f"/manage/debriefs/{made.id}/answer", data={f"d{made.id}-response": "x"})
    assert response.status_code == 404
    assert db.session.get(DebriefRequest, made.id).responded_at is None
