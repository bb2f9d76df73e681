"""Award emails: winners, unsuccessful bidders and followers each hear, over real SMTP; no losing bid leaks."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace import db
from marketplace.awards import debriefs
from marketplace.awards import services as awards
from marketplace.mail.models import OutboxMessage
from tests.awards.conftest import AWARD_AT


def _delivered(runner, smtp_server, title: str) -> dict[str, list]:
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    by_address: dict[str, list] = {}
    for message in smtp_server["messages"]:
        if title in message["Subject"]:
            by_address.setdefault(message["To"], []).append(message)
    return by_address


def test_award_emails_reach_winners_unsuccessful_bidders_and_followers(scenario, officer, client_for, at,
                                                                      runner, smtp_server):
    smtp_server["messages"].clear()
    at(AWARD_AT)
    opportunity = scenario.opportunity
    names = [u.vendor.legal_name for u in scenario.bidders]
    response = client_for(officer).post(f"/manage/opportunities/{opportunity.id}/award", data={
        "lines-0-bid_id": str(scenario.bid_id(0)), "lines-0-selected": "y", "lines-0-amount": "123.45",
        "lines-0-contract_start": "2026-04-01", "lines-0-contract_end": "2027-03-31"})
    assert response.status_code == 302
    mail = _delivered(runner, smtp_server, opportunity.title)
    winner, second, third = (u.email for u in scenario.bidders)
    name = names[0]

    won, = mail[winner]
    body = won.get_payload()
    assert won["Subject"].startswith("You have been awarded")
    assert "$123.45" in body and "2026-04-01 to 2027-03-31" in body and f"{opportunity.reference}-C1" in body

    for address in (second, third):
        lost, = mail[address]
        body = lost.get_payload()
        assert lost["Subject"].startswith("Award made") and f"{name}: $123.45" in body
        assert f"/opportunities/{opportunity.id}/debrief" in body
        assert "$200.00" not in body and "$300.00" not in body and "200.00" not in body and "300.00" not in body
        assert names[1] not in body and names[2] not in body

    for user in (scenario.follower, scenario.asker, scenario.withdrawn):
        notice, = mail[user.email]
        assert notice["Subject"].startswith("Award notice") and f"{name}: $123.45" in notice.get_payload()
        assert "debrief" not in notice.get_payload()


def test_cancellation_and_debrief_emails(scenario, officer, runner, smtp_server):
    smtp_server["messages"].clear()
    made, = awards.award_bids(scenario.opportunity, [scenario.line(0)], actor=officer, now=AWARD_AT)
    debriefs.request_debrief(scenario.opportunity, "Why not us?", user=scenario.bidders[1], now=AWARD_AT)
    awards.cancel_award(made, "Bond not posted.", actor=officer, now=AWARD_AT + timedelta(hours=1))
    db.session.flush()
    mail = _delivered(runner, smtp_server, scenario.opportunity.title)
    cancelled = [m for m in mail[scenario.bidders[0].email] if m["Subject"].startswith("Award cancelled")]
    assert len(cancelled) == 1 and "Bond not posted." in cancelled[0].get_payload()
    asked, = mail[officer.email][-1:]
    assert asked["Subject"].startswith("Debrief requested") and "Why not us?" in asked.get_payload()


def test_an_award_emails_each_user_once_even_if_notified_again(scenario, officer):
    awards.award_bids(scenario.opportunity, [scenario.line(0), scenario.line(1)], actor=officer, now=AWARD_AT)
    db.session.flush()
    for user in scenario.bidders + [scenario.follower]:
        subjects = db.session.scalars(sa.select(OutboxMessage.subject).where(
            OutboxMessage.to_address == user.email, OutboxMessage.subject.like("%Janitorial%"),
            OutboxMessage.subject.not_like("Receipt%"), OutboxMessage.subject.not_like("Addendum%"))).all()
        award_subjects = [s for s in subjects if "ward" in s]
        assert len(award_subjects) == 1, (user.email, subjects)
