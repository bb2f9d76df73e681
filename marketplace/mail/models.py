"""The email outbox: written in the event's transaction, delivered later by `flask outbox send`."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, intpk


class OutboxMessage(Base):
    """An email waiting for (or done with) delivery."""

    __tablename__ = "outbox_messages"

    id: Mapped[intpk]
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    # An https address that unsubscribes with one POST (RFC 8058), sent as List-Unsubscribe.
    list_unsubscribe: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_outbox_messages_pending", "sent_at", "next_attempt_at"),)
