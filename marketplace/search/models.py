"""Saved searches, alerts sent, and the index-change log every host's index replays."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, intpk
from marketplace.models_common import one_of


class SavedSearch(Base):
    """A vendor user's saved search and how they want to hear of new matches."""

    __tablename__ = "saved_searches"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    query: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    alert_mode: Mapped[str] = mapped_column(sa.String(10), default="instant")
    unsubscribe_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (one_of("alert_mode", ("instant", "daily", "off")),)


class SavedSearchAlert(Base):
    """One opportunity alerted for one saved search: the key makes alerts once-only."""

    __tablename__ = "saved_search_alerts"

    id: Mapped[intpk]
    saved_search_id: Mapped[int] = mapped_column(sa.ForeignKey("saved_searches.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("saved_search_id", "opportunity_id"),)


class SearchIndexEvent(Base):
    """A change to replay into every host's search index, in id order."""

    __tablename__ = "search_index_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    op: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime]

    __table_args__ = (
        one_of("doc_type", ("opportunity", "vendor")),
        one_of("op", ("upsert", "delete")),
    )
