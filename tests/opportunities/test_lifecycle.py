"""Status is derived from timestamps; the transition table refuses everything else with 409."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import lifecycle, services
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.services import OpportunityInput

from tests.opportunities.conftest import NOW


def test_status_follows_the_clock_without_any_job(make_opportunity):
    opp = make_opportunity(closes_at=NOW + timedelta(hours=1))
    assert lifecycle.status(opp, NOW) == "open"
    assert lifecycle.status(opp, opp.closes_at - timedelta(microseconds=1)) == "open"
    assert lifecycle.status(opp, opp.closes_at) == "closed"


def test_sql_status_filter_agrees_with_python(make_opportunity, officer):
    draft = make_opportunity(publish=False)
    open_ = make_opportunity()
    closed = make_opportunity(closes_at=NOW + timedelta(minutes=5))
    cancelled = make_opportunity()
    services.cancel(cancelled, "Budget withdrawn", actor=officer, now=NOW)
    later = NOW + timedelta(minutes=10)
    for opp in (draft, open_, closed, cancelled):
        wanted = lifecycle.status(opp, later)
        ids = db.session.scalars(sa.select(Opportunity.id).where(lifecycle.status_filter(wanted, later))).all()
        assert opp.id in ids
    assert {lifecycle.status(o, later) for o in (draft, open_, closed, cancelled)} == {"draft", "open", "closed", "cancelled"}


def test_publishing_twice_is_a_conflict(make_opportunity, officer):
    opp = make_opportunity()
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        services.publish(opp, actor=officer, now=NOW)
    assert caught.value.status_code == 409


def test_opening_before_closing_is_a_conflict(make_opportunity, officer):
    opp = make_opportunity()
    with pytest.raises(lifecycle.TransitionNotAllowed):
        services.open_bids(opp, actor=officer, now=opp.closes_at - timedelta(microseconds=1))
    assert opp.opened_at is None


def test_officer_of_another_institution_cannot_touch_it(make_opportunity, make_user):
    opp = make_opportunity()
    stranger = make_user("officer")
    with pytest.raises(NotFound):
        services.cancel(opp, "mine now", actor=stranger, now=NOW)
    with pytest.raises(NotFound):
        services.open_bids(opp, actor=stranger, now=opp.closes_at)
    assert opp.cancelled_at is None


def test_closing_time_in_the_past_and_questions_after_closing_are_refused(officer):
    from marketplace.institutions.models import Institution

    institution = db.session.get(Institution, officer.institution_id)
    with pytest.raises(DomainError) as caught:
        services.create_draft(institution, OpportunityInput(
            title="Late", closes_at=NOW - timedelta(seconds=1),
            questions_deadline=NOW + timedelta(days=1)), actor=officer, now=NOW)
    assert set(caught.value.errors) == {"closes_at", "questions_deadline"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0


def test_two_openers_required_when_the_institution_says_so(make_opportunity, officer, make_user):
    officer.institution.requires_two_openers = True
    opp = make_opportunity()
    second = make_user("officer", institution_id=officer.institution_id)
    after = opp.closes_at + timedelta(minutes=1)
    assert services.open_bids(opp, actor=officer, now=after) is False
    assert services.open_bids(opp, actor=officer, now=after) is False  # same officer twice is still one
    assert opp.opened_at is None
    assert services.open_bids(opp, actor=second, now=after) is True
    assert opp.opened_at == after


def test_addendum_close_to_closing_must_extend_the_closing_time(make_opportunity, officer):
    opp = make_opportunity(closes_at=NOW + timedelta(hours=48))
    data = OpportunityInput(title=opp.title, closes_at=opp.closes_at, description="Scope clarified")
    with pytest.raises(DomainError) as caught:
        services.issue_addendum(opp, "Clarified the scope", data, actor=officer, now=NOW)
    assert "closes_at" in caught.value.errors
    data.closes_at = NOW + timedelta(hours=72)
    addendum = services.issue_addendum(opp, "Clarified the scope", data, actor=officer, now=NOW)
    assert addendum.number == 1 and opp.closes_at == NOW + timedelta(hours=72)
    assert set(addendum.changes) == {"description", "closes_at"}


def test_addendum_far_from_closing_needs_no_extension(make_opportunity, officer):
    opp = make_opportunity(closes_at=NOW + timedelta(days=10))
    data = OpportunityInput(title="Janitorial services, two buildings", closes_at=opp.closes_at)
    addendum = services.issue_addendum(opp, "Second building added", data, actor=officer, now=NOW)
    assert addendum.changes["title"][1] == "Janitorial services, two buildings"
