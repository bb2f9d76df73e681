"""Saved-search alerts: instant at publish or a daily digest, each sent once and only once, with reasons."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.mail.models import OutboxMessage
from marketplace.matching import alerts
from marketplace.search.models import SavedSearchAlert
from marketplace.search.query import OpportunityQuery
from tests.matching.conftest import NOW

EARLIER = NOW - timedelta(hours=2)


@pytest.fixture
def maria(make_user):
    return make_user("vendor", email="maria@delgado.example.org", name="Maria")


def _save(user, mode="instant", at=EARLIER, **query):
    return alerts.save_search(user, OpportunityQuery(**query), name="Cleaning", alert_mode=mode, now=at)


def _mail(user) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == user.email)
                                   .order_by(OutboxMessage.id)))


def test_publishing_a_match_sends_one_alert_saying_why(maria, make_opportunity):
    search = _save(maria, text="janitorial", naics=("5617",))

    opportunity = make_opportunity(title="Janitorial services", naics=["561720"])

    [message] = _mail(maria)
    assert message.subject == f"New opportunity for “Cleaning”: {opportunity.title}"
    assert "Why it matched: matches your keywords janitorial · NAICS 561720 (in 5617 Services to Buildings" \
           in message.body_text
    assert f"/opportunities/{opportunity.id}" in message.body_text
    assert f"/alerts/unsubscribe/{search.unsubscribe_token}" in message.body_text
    [alert] = db.session.scalars(sa.select(SavedSearchAlert)).all()
    assert (alert.saved_search_id, alert.opportunity_id, alert.sent_at) == (search.id, opportunity.id, NOW)


def test_a_non_matching_opportunity_sends_nothing(maria, make_opportunity):
    _save(maria, text="janitorial")

    make_opportunity(title="Laboratory reagents", description="Assorted reagents", naics=["325413"])

    assert _mail(maria) == []


def test_running_the_publish_hook_again_sends_nothing_twice(maria, make_opportunity):
    _save(maria, text="janitorial")
    opportunity = make_opportunity(title="Janitorial services")

    alerts.on_published(opportunity, NOW)
    alerts.on_published(opportunity, NOW + timedelta(minutes=5))

    assert len(_mail(maria)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedSearchAlert)) == 1


def test_only_opportunities_published_after_saving_are_alerted(maria, make_opportunity):
    _save(maria, text="janitorial", at=NOW + timedelta(hours=1))

    make_opportunity(title="Janitorial services")

    assert _mail(maria) == []


def test_daily_and_off_searches_get_no_instant_email(maria, make_opportunity):
    _save(maria, mode="daily", text="janitorial")
    _save(maria, mode="off", text="janitorial")

    make_opportunity(title="Janitorial services")

    assert _mail(maria) == []


def test_an_inactive_owner_gets_no_alert(maria, make_opportunity):
    _save(maria, text="janitorial")
    maria.active = False

    make_opportunity(title="Janitorial services")

    assert _mail(maria) == []


def test_a_draft_alerts_nobody_until_published(maria, officer, make_opportunity):
    from marketplace.opportunities import services as opportunity_services

    _save(maria, text="janitorial")
    draft = make_opportunity(title="Janitorial services", publish=False)
    assert _mail(maria) == []

    opportunity_services.publish(draft, actor=officer, now=NOW)
    assert len(_mail(maria)) == 1


def test_the_daily_digest_lists_new_matches_once(maria, make_opportunity):
    search = _save(maria, mode="daily", text="janitorial")
    first = make_opportunity(title="Janitorial services, north campus")
    second = make_opportunity(title="Janitorial services, south campus", now=NOW + timedelta(hours=1))
    make_opportunity(title="Laboratory reagents", naics=["325413"])

    summary = alerts.run_digest(NOW + timedelta(days=1))

    assert (summary.emails, summary.alerts) == (1, 2)
    [message] = _mail(maria)
    assert message.subject == "2 new opportunities for “Cleaning”"
    assert first.title in message.body_text and second.title in message.body_text
    assert "Laboratory" not in message.body_text
    assert message.body_text.count("Why it matched: matches your keywords janitorial") == 2
    assert f"/alerts/unsubscribe/{search.unsubscribe_token}" in message.body_text

    again = alerts.run_digest(NOW + timedelta(days=1))
    later = alerts.run_digest(NOW + timedelta(days=2))

    assert (again.emails, later.emails) == (0, 0)
    assert len(_mail(maria)) == 1


def test_the_digest_sends_only_what_is_new_since_the_last_one(maria, make_opportunity):
    _save(maria, mode="daily", text="janitorial")
    make_opportunity(title="Janitorial services, north campus")
    alerts.run_digest(NOW + timedelta(days=1))

    make_opportunity(title="Janitorial services, east wing", now=NOW + timedelta(days=1, hours=2))
    alerts.run_digest(NOW + timedelta(days=2))

    messages = _mail(maria)
    assert len(messages) == 2
    assert "east wing" in messages[1].body_text and "north campus" not in messages[1].body_text


def test_the_digest_skips_what_an_instant_alert_already_sent(maria, make_opportunity):
    search = _save(maria, mode="instant", text="janitorial")
    make_opportunity(title="Janitorial services")
    alerts.update_search(search, name=search.name, alert_mode="daily", now=EARLIER)

    assert alerts.run_digest(NOW + timedelta(days=1)).emails == 0
    assert len(_mail(maria)) == 1


def test_the_digest_command_is_idempotent(maria, make_opportunity, runner):
    _save(maria, mode="daily", text="janitorial")
    make_opportunity(title="Janitorial services")

    first = runner.invoke(args=["alerts", "digest", "--now", "2026-03-03T12:00:00Z"])
    second = runner.invoke(args=["alerts", "digest", "--now", "2026-03-03T12:00:00Z"])

    assert first.exit_code == 0, first.output
    assert "1 digests queued (1 opportunities)" in first.output
    assert "0 digests queued" in second.output
    assert len(_mail(maria)) == 1


def test_a_saved_query_from_the_browser_is_cleaned():
    q = alerts.clean_query({"text": "x" * 500, "naics": ["5617", "abc", 12], "set_asides": ["mwbe", "bogus"],
                            "institution_ids": [3, "4", True], "statuses": [], "closes_before": "2020-01-01"})

    assert (len(q.text), q.naics, q.set_asides, q.institution_ids, q.statuses, q.closes_before) == (
        200, ("5617",), ("mwbe",), (3,), ("open",), None)
