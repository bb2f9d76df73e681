"""One source of "now" so that requests read the clock once and tests can freeze it."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import g, has_request_context

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Return the current UTC instant, read once per request."""
    if _frozen is not None:
        return _frozen
    if has_request_context():
        now = g.get("_clock_now")
        if now is None:
            now = datetime.now(UTC)
            g._clock_now = now
        return now
    return datetime.now(UTC)


def freeze(instant: datetime | None) -> None:
    """Freeze the clock at `instant` (None unfreezes); for tests and demos."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = instant.astimezone(UTC) if instant is not None else None
