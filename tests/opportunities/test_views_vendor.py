"""Vendors on an opportunity page: follow, ask before the deadline, acknowledge addenda."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.opportunities import services
from marketplace.opportunities.models import AddendumAcknowledgement, Follow, Question
from marketplace.opportunities.services import OpportunityInput
from tests.opportunities.view_helpers import T0, at, audit_actions, client_for, count  # noqa: F401


@pytest.fixture
def vendor(make_user):
    return make_user("vendor")


@pytest.fixture
def vendor_client(client_for, vendor, at):
    return client_for(vendor)


def test_follow_and_unfollow(vendor_client, vendor, make_opportunity):
    opportunity = make_opportunity()
    assert vendor_client.post(f"/opportunities/{opportunity.id}/follow").status_code == 302
    assert vendor_client.post(f"/opportunities/{opportunity.id}/follow").status_code == 302  # idempotent
    assert count(Follow) == 1
    assert "Stop following" in vendor_client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert vendor_client.post(f"/opportunities/{opportunity.id}/unfollow").status_code == 302
    assert count(Follow) == 0


def test_vendor_asks_a_question_until_the_deadline(vendor_client, make_opportunity, at):
    opportunity = make_opportunity(questions_deadline=T0 + timedelta(days=2))
    db.session.commit()
    page = vendor_client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Ask a question" in page
    response = vendor_client.post(f"/opportunities/{opportunity.id}/questions", data={"body": "  "})
    assert response.status_code == 422 and count(Question) == 0
    response = vendor_client.post(f"/opportunities/{opportunity.id}/questions", data={"body": "Union labor required?"})
    assert response.status_code == 302 and count(Question) == 1
    at(opportunity.questions_deadline)
    assert "The deadline for questions has passed." in vendor_client.get(
        f"/opportunities/{opportunity.id}").get_data(as_text=True)
    response = vendor_client.post(f"/opportunities/{opportunity.id}/questions", data={"body": "Too late?"})
    assert response.status_code == 409 and "deadline for questions has passed" in response.get_data(as_text=True)
    assert count(Question) == 1


def test_vendor_acknowledges_an_addendum_once_and_it_is_audited(vendor_client, make_opportunity, officer):
    opportunity = make_opportunity()
    addendum = services.issue_addendum(opportunity, "New site map.",
                                       OpportunityInput(title=opportunity.title, closes_at=opportunity.closes_at),
                                       actor=officer, now=T0)
    page = vendor_client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Acknowledge addendum 1" in page
    path = f"/opportunities/{opportunity.id}/addenda/{addendum.id}/acknowledge"
    assert vendor_client.post(path).status_code == 302
    assert vendor_client.post(path).status_code == 302
    assert count(AddendumAcknowledgement) == 1
    assert audit_actions().count("addendum.acknowledged") == 1
    assert "You acknowledged this addendum." in vendor_client.get(
        f"/opportunities/{opportunity.id}").get_data(as_text=True)


def test_acknowledging_after_closing_is_refused(vendor_client, make_opportunity, officer, at):
    opportunity = make_opportunity()
    addendum = services.issue_addendum(opportunity, "Note.", OpportunityInput(
        title=opportunity.title, closes_at=opportunity.closes_at), actor=officer, now=T0)
    db.session.commit()
    at(opportunity.closes_at)
    response = vendor_client.post(f"/opportunities/{opportunity.id}/addenda/{addendum.id}/acknowledge")
    assert response.status_code == 409 and count(AddendumAcknowledgement) == 0


def test_acknowledge_service_is_idempotent_for_colleagues(make_opportunity, officer, make_user):
    opportunity = make_opportunity()
    addendum = services.issue_addendum(opportunity, "Note.", OpportunityInput(
        title=opportunity.title, closes_at=opportunity.closes_at), actor=officer, now=T0)
    first = make_user("vendor")
    colleague = make_user("vendor", vendor_id=first.vendor_id)
    a = services.acknowledge_addendum(addendum, user=first, now=T0)
    b = services.acknowledge_addendum(addendum, user=colleague, now=T0 + timedelta(minutes=1))
    assert a.id == b.id and b.acknowledged_by_id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AddendumAcknowledgement)) == 1
