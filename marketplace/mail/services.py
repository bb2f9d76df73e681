"""Queue emails in the outbox and deliver them over SMTP."""
from __future__ import annotations

import smtplib
from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import render_template

from marketplace import clock, db
from marketplace.mail.models import OutboxMessage

MAX_ATTEMPTS = 8


def enqueue(
    to: str,
    subject: str,
    body_text: str,
    *,
    body_html: str | None = None,
    dedupe_key: str | None = None,
    list_unsubscribe: str | None = None,
) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction.

    With a `dedupe_key`, a message already queued under that key is not queued again. With
    `list_unsubscribe` (a one-click unsubscribe address), mail clients offer an unsubscribe button.
    """
    if dedupe_key is not None:
        existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
        list_unsubscribe=list_unsubscribe,
        created_at=clock.utcnow(),
    )
    db.session.add(message)
    return message


def enqueue_template(to: str, subject: str, template: str, *, dedupe_key: str | None = None,
                     list_unsubscribe: str | None = None, **context: Any) -> OutboxMessage | None:
    """Queue an email whose text body is rendered from `templates/email/<template>.txt`."""
    body = render_template(f"email/{template}.txt", **context)
    return enqueue(to, subject, body, dedupe_key=dedupe_key, list_unsubscribe=list_unsubscribe)


# Lines up to SMTP's limit, so that a long address in a header (List-Unsubscribe) stays one
# plain <URL> rather than being folded into encoded words mail clients cannot use.
_POLICY = default_policy.clone(max_line_length=998)


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage(policy=_POLICY)
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    if message.list_unsubscribe:  # RFC 2369 and RFC 8058: the client POSTs "List-Unsubscribe=One-Click"
        email["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def deliver_pending(config: Mapping[str, Any], *, limit: int = 100) -> tuple[int, int]:
    """Send due messages; return (sent, failed). A failure is retried later with backoff."""
    now = clock.utcnow()
    due = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    if not due:
        return 0, 0
    sent = failed = 0
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    except OSError as exc:
        for message in due:
            _note_failure(message, exc, now)
        db.session.commit()
        return 0, len(due)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        for message in due:
            try:
                smtp.send_message(_build(message, config["MAIL_DEFAULT_SENDER"]))
            except smtplib.SMTPException as exc:
                _note_failure(message, exc, now)
                failed += 1
            else:
                message.sent_at = clock.utcnow()
                message.attempts += 1
                sent += 1
            db.session.commit()
    return sent, failed


def _note_failure(message: OutboxMessage, exc: Exception, now) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    message.next_attempt_at = now + timedelta(minutes=2 ** min(message.attempts, 10))
