"""Helpers for the opportunity and bid page tests: logged-in clients, uploads, row counts."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from tests.conftest import PASSWORD

# A Monday afternoon in New York (EST, before the March 8, 2026 switch to EDT).
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str = "quote.pdf", content: bytes = PDF) -> tuple[io.BytesIO, str]:
    """A file part for a multipart test request."""
    return io.BytesIO(content), name


def count(model) -> int:
    """Rows of `model` in this test's transaction."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_actions() -> list[str]:
    """Audit actions recorded so far, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def at(frozen_clock) -> Callable[[datetime], datetime]:
    """Freeze the clock at an instant (T0 by default) for the requests that follow."""

    def freeze(instant: datetime = T0) -> datetime:
        frozen_clock(instant)
        return instant

    freeze()
    return freeze


@pytest.fixture
def client_for(app) -> Callable:
    """A new test client logged in as `user` through the real login form."""

    def make(user):
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return make
