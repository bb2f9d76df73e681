"""The outbox: mail is written in the event's transaction and delivered over real SMTP."""
from __future__ import annotations

import socket

import sqlalchemy as sa

from marketplace import db
from marketplace.mail import services
from marketplace.mail.models import OutboxMessage


def test_send_delivers_queued_messages_to_the_smtp_server(runner, smtp_server):
    services.enqueue("vendor@example.org", "Your bid receipt", "Received at 12:00 UTC")
    db.session.flush()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    delivered = [m for m in smtp_server["messages"] if m["To"] == "vendor@example.org"]
    assert delivered[-1]["Subject"] == "Your bid receipt"
    assert "Received at 12:00 UTC" in delivered[-1].get_payload()


def test_a_rolled_back_change_sends_nothing(app):
    savepoint = db.session.begin_nested()
    services.enqueue("nobody@example.org", "Never", "Never sent")
    savepoint.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_messages_survive_a_mail_server_outage_and_go_out_later(app, runner, smtp_server):
    services.enqueue("later@example.org", "Addendum 1", "Closing time extended")
    db.session.flush()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    app.config["MAIL_PORT"] = dead_port
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "failed 1" in result.output
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "later@example.org"))
    assert message.sent_at is None and message.attempts == 1 and message.last_error
    message.next_attempt_at = None  # the retry is due now
    app.config["MAIL_PORT"] = smtp_server["port"]
    result = runner.invoke(args=["outbox", "send"])
    assert "sent 1" in result.output
    assert any(m["To"] == "later@example.org" for m in smtp_server["messages"])


def test_a_dedupe_key_queues_a_message_only_once(app):
    first = services.enqueue("v@example.org", "Reminder", "60 days", dedupe_key="cert-1-60")
    second = services.enqueue("v@example.org", "Reminder", "60 days", dedupe_key="cert-1-60")
    db.session.flush()
    assert first is not None and second is None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key == "cert-1-60"))
    assert count == 1
