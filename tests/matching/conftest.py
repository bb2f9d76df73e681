"""Factories for matching: registered vendors with NAICS, words, place and certifications; opportunities."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace import db
from marketplace.institutions.models import LocalRuleCounty
from marketplace.opportunities import services
from marketplace.opportunities.services import OpportunityInput
from marketplace.vendors.models import Certification, VendorAddress, VendorNaics

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def region(collaborative):
    """The collaborative's region is Broward County, Florida."""
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward"))
    db.session.flush()
    return collaborative.local_rule


@pytest.fixture
def officer(make_user, region):
    return make_user("officer")


@pytest.fixture
def make_opportunity(officer) -> Callable:
    """Create (and by default publish) an opportunity of the officer's institution."""

    def make(*, publish: bool = True, now: datetime = NOW, actor=None, naics=(), **fields):
        actor = actor or officer
        from marketplace.institutions.models import Institution

        institution = db.session.get(Institution, actor.institution_id)
        data = OpportunityInput(title=fields.pop("title", "Nightly janitorial cleaning for the main campus"),
                                closes_at=fields.pop("closes_at", now + timedelta(days=14)),
                                naics_codes=list(naics), **fields)
        opportunity = services.create_draft(institution, data, actor=actor, now=now)
        if publish:
            services.publish(opportunity, actor=actor, now=now)
        return opportunity

    return make


@pytest.fixture
def make_business(make_vendor, region) -> Callable:
    """A registered vendor with NAICS codes, a capability statement, a principal address and certifications."""

    def make(name: str, *, naics=(), capability: str = "", county: str | None = "Palm Beach", state: str = "FL",
             zip_code: str = "33401", certs=(), registered: bool = True, **fields):
        vendor = make_vendor(legal_name=name, normalized_name=name.lower(), capability_statement=capability,
                             registration_completed_at=NOW - timedelta(days=30) if registered else None, **fields)
        for i, code in enumerate(naics):
            db.session.add(VendorNaics(vendor_id=vendor.id, code=code, is_primary=i == 0))
        db.session.add(VendorAddress(vendor_id=vendor.id, kind="principal", line1="1 Main St", city="Town",
                                     state=state, zip=zip_code, county=county))
        for cert_type in certs:
            db.session.add(Certification(vendor_id=vendor.id, type=cert_type, agency="State OSD", status="verified",
                                         effective_on=date(2025, 1, 1), expires_on=date(2027, 12, 31),
                                         created_at=NOW))
        db.session.flush()
        db.session.refresh(vendor)
        return vendor

    return make
