"""Small helpers shared by the account tests."""
from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.mail.models import OutboxMessage


def audit_actions() -> list[str]:
    """Every audit action recorded so far in this test's transaction, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def outbox_to(address: str) -> list[OutboxMessage]:
    """Queued emails for `address`, oldest first."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    ))


def link_path(body: str, prefix: str) -> str:
    """The path of the first link in an email body that starts with `prefix` (e.g. /invitations/)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[\w\-]+)", body)
    assert match, body
    return match.group(1)
