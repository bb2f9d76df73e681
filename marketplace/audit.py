"""Append-only audit events, written in the same transaction as the change they record."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import clock, db
from marketplace.db import Base, intpk


class AuditEvent(Base):
    """Who did what to which object, and when (UTC). Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


def _actor_defaults() -> tuple[int | None, str | None, int | None, str | None]:
    if not has_request_context():
        return None, None, None, None
    ip = request.remote_addr
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.role, current_user.institution_id, ip
    return None, None, None, ip


def record(
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    actor: Any = None,
    institution_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; `actor` defaults to the request's user."""
    user_id, role, inst_id, ip = _actor_defaults()
    if actor is not None:
        user_id, role, inst_id = actor.id, actor.role, actor.institution_id
    event = AuditEvent(
        occurred_at=at or clock.utcnow(),
        actor_user_id=user_id,
        actor_role=role,
        institution_id=institution_id if institution_id is not None else inst_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        action=action,
        detail=detail or {},
        ip_address=ip,
    )
    db.session.add(event)
    return event


def record_now(action: str, object_type: str, object_id: Any = None, **kwargs: Any) -> AuditEvent:
    """Record an audit event and commit at once, so it survives an error response.

    Used for refusals (failed logins, attempts to reach sealed bids), where the request
    itself changes nothing else and its response status would otherwise roll back.
    """
    event = record(action, object_type, object_id, **kwargs)
    db.session.commit()
    return event
