"""Factories for opportunities and bids."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from marketplace import db
from marketplace.opportunities import services
from marketplace.opportunities.services import OpportunityInput

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def officer(make_user):
    return make_user("officer")


@pytest.fixture
def make_opportunity(officer) -> Callable:
    """Create (and by default publish) an opportunity of the officer's institution."""

    def make(*, publish: bool = True, now: datetime = NOW, closes_at: datetime | None = None,
             actor=None, **fields):
        actor = actor or officer
        from marketplace.institutions.models import Institution

        institution = db.session.get(Institution, actor.institution_id)
        data = OpportunityInput(title=fields.pop("title", "Janitorial services for main campus"),
                                closes_at=closes_at or now + timedelta(days=14), **fields)
        opportunity = services.create_draft(institution, data, actor=actor, now=now)
        if publish:
            services.publish(opportunity, actor=actor, now=now)
        return opportunity

    return make
