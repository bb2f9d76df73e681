"""Factories for the search tests: opportunities, vendors, and applying the index events."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace import clock, db
from marketplace.institutions.models import Institution
from marketplace.opportunities import services
from marketplace.opportunities.services import OpportunityInput
from marketplace.search import sync
from marketplace.vendors.models import Certification, VendorAddress, VendorNaics

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def officer(make_user):
    return make_user("officer")


@pytest.fixture
def index_now(app) -> Callable[[], sync.ApplyReport]:
    """Commit, then apply every recorded event to the index (what the background applier does)."""

    def apply() -> sync.ApplyReport:
        db.session.commit()
        report = sync.apply_pending()
        if report.rebuilt:  # a first build: then apply what was recorded meanwhile
            report = sync.apply_pending()
        return report

    return apply


@pytest.fixture
def make_opportunity(officer) -> Callable:
    """Create (and by default publish) an opportunity of the officer's institution."""

    def make(title: str = "Janitorial services for main campus", *, publish: bool = True, actor=None,
             closes_at: datetime | None = None, **fields):
        actor = actor or officer
        institution = db.session.get(Institution, actor.institution_id)
        data = OpportunityInput(title=title, closes_at=closes_at or clock.utcnow() + timedelta(days=14), **fields)
        opportunity = services.create_draft(institution, data, actor=actor, now=clock.utcnow())
        if publish:
            services.publish(opportunity, actor=actor, now=clock.utcnow())
        return opportunity

    return make


@pytest.fixture
def make_search_vendor(make_vendor) -> Callable:
    """A vendor with a capability statement, NAICS codes, a principal address and certifications."""

    def make(name: str, statement: str = "", *, naics: tuple[str, ...] = (), county: str | None = None,
             state: str = "FL", zip_code: str = "33301", certs: tuple[str, ...] = (), status: str = "verified"):
        vendor = make_vendor(legal_name=name, normalized_name=name.lower(), capability_statement=statement)
        for i, code in enumerate(naics):
            db.session.add(VendorNaics(vendor_id=vendor.id, code=code, is_primary=i == 0))
        if county:
            db.session.add(VendorAddress(vendor_id=vendor.id, kind="principal", line1="1 Main St", city="Town",
                                         state=state, zip=zip_code, county=county))
        for type_ in certs:
            db.session.add(Certification(vendor_id=vendor.id, type=type_, agency="Agency", status=status,
                                         effective_on=date(2025, 1, 1), expires_on=date(2027, 1, 1),
                                         created_at=clock.utcnow()))
        db.session.flush()
        return vendor

    return make
