"""Sealed means sealed: a canary planted in a bid must not appear anywhere before the opening.

The bid's narrative, document name and document contents carry a unique string. Before the
closing time, every GET route is crawled as every role (except the bidder) with every known
id in its URL arguments; the canary must not appear in any response, email, audit detail or
log line. Attempts to reach the bid directly are refused and audited.
"""
from __future__ import annotations

import io
import itertools
import logging
import re
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.bids.models import Bid, BidVersion
from marketplace.documents.models import Document
from marketplace.mail.models import OutboxMessage
from marketplace.opportunities import services as opps
from marketplace.opportunities.models import Addendum, Opportunity, Question

from tests.conftest import PASSWORD
from tests.documents.samples import pdf_bytes
from tests.opportunities.conftest import NOW

CANARY = "zqxcanary7731"
ROLES = ("anonymous", "other_vendor", "officer", "other_officer", "backbone")


def _known_ids() -> list[int]:
    ids: set[int] = set()
    for model in (Opportunity, Bid, BidVersion, Document, Question, Addendum):
        ids |= set(db.session.scalars(sa.select(model.id)))
    return sorted(ids)


def _paths(app, ids: list[int]):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        names = sorted(rule.arguments)
        if any(not isinstance(rule._converters[n], IntegerConverter) for n in names):
            values = {n: ["no-such-token"] for n in names}
        else:
            values = {n: ids for n in names}
        for combo in itertools.product(*(values[n] for n in names)):
            path = rule.rule
            for name, value in zip(names, combo):
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
            yield path


def test_canary_in_a_sealed_bid_appears_nowhere_before_opening(
        app, client, make_user, make_opportunity, officer, frozen_clock, caplog):
    caplog.set_level(logging.DEBUG)
    opportunity = make_opportunity(closes_at=NOW + timedelta(days=3))
    bidder, other_vendor = make_user("vendor"), make_user("vendor")
    other_officer, backbone = make_user("officer"), make_user("backbone")
    question = opps.ask_question(opportunity, "Is weekend work included?", user=other_vendor,
                                 now=NOW + timedelta(hours=1))
    opps.answer_question(question, "Yes.", actor=officer, now=NOW + timedelta(hours=2))
    db.session.commit()

    frozen_clock(NOW + timedelta(days=1))
    client.post("/login", data={"email": bidder.email, "password": PASSWORD})
    response = client.post(f"/opportunities/{opportunity.id}/bid", data={
        "amount": "48250.00",
        "narrative": f"Our approach {CANARY} covers nights.",
        "documents": [(io.BytesIO(pdf_bytes(CANARY)), f"{CANARY}-pricing.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client.post("/logout")
    bid = db.session.scalars(sa.select(Bid)).one()
    assert CANARY in bid.versions[0].narrative  # the canary really is in the bid

    users = {"other_vendor": other_vendor, "officer": officer, "other_officer": other_officer,
             "backbone": backbone}
    ids = _known_ids()
    leaks = []
    crawled = 0
    for role in ROLES:
        browser = app.test_client()
        if role != "anonymous":
            assert browser.post("/login", data={"email": users[role].email, "password": PASSWORD}).status_code == 302
        for path in _paths(app, ids):
            response = browser.get(path)
            crawled += 1
            body = response.get_data()
            if CANARY.encode() in body or CANARY in str(response.headers):
                leaks.append((role, path, response.status_code))
    assert crawled > 200
    assert leaks == []

    outbox = db.session.scalars(sa.select(OutboxMessage)).all()
    assert any("Receipt" in m.subject for m in outbox)  # the receipt was emailed...
    assert not [m.subject for m in outbox if CANARY in (m.subject + m.body_text + (m.body_html or ""))]  # ...sealed
    details = db.session.scalars(sa.select(AuditEvent)).all()
    assert not [e.action for e in details if CANARY in str(e.detail)]
    assert CANARY not in caplog.text

    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.in_(["bid.access_refused", "document.access_refused"]))).all()
    assert {e.actor_user_id for e in refused} >= {officer.id, backbone.id, other_vendor.id}
