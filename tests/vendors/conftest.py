"""Fixtures for vendor profile tests: a region, a signed-in vendor, and complete step answers."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from marketplace import db
from marketplace.institutions.models import LocalRuleCounty
from marketplace.vendors.models import Vendor, VendorAddress, VendorNaics

IDENTITY = {
    "legal_name": "Rivera Plumbing LLC", "dba": "Rivera Pipes", "ein": "12-3456789",
    "website": "riverapipes.example.com", "contact_name": "Ana Rivera",
    "contact_email": "ana@riverapipes.example.com", "contact_phone": "305-555-0123",
    "year_established": "2015",
}
# 33301 is Fort Lauderdale (Broward County, FL); 33130 is Miami (Miami-Dade County, FL).
BROWARD_ADDRESS = {"line1": "100 Las Olas Blvd", "line2": "Suite 4", "city": "Fort Lauderdale",
                   "state": "FL", "zip": "33301"}
MIAMI_ADDRESS = {"line1": "200 SW 8th Street", "line2": "", "city": "Miami", "state": "FL", "zip": "33130"}
NAICS = {"naics_codes": "238220, 561720", "primary_naics": "238220",
         "capability_statement": "We fix pipes and water heaters for hospitals and schools."}
SIZE = {"employees": "12", "revenue_band": "1m_5m"}


@pytest.fixture
def region(collaborative):
    """The collaborative's region: Broward County, FL."""
    collaborative.local_rule.name = "South Florida region"
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    db.session.flush()
    return collaborative.local_rule


@pytest.fixture
def vendor_user(make_user, login):
    """A signed-in vendor user whose business has only the legal name from /register."""
    user = make_user("vendor")
    login(user)
    return user


@pytest.fixture
def add_address() -> Callable[..., VendorAddress]:
    """Add an address row directly (as an import would)."""

    def add(vendor: Vendor, zip_code: str = "33301", county: str | None = "Broward County", *,
            kind: str = "principal", effective_from: date | None = None,
            effective_to: date | None = None, state: str = "FL") -> VendorAddress:
        address = VendorAddress(kind=kind, line1="1 Main St", city="Somewhere", state=state, zip=zip_code,
                                county=county, effective_from=effective_from, effective_to=effective_to)
        vendor.addresses.append(address)
        db.session.flush()
        return address

    return add


@pytest.fixture
def complete_profile(add_address) -> Callable[..., Vendor]:
    """Fill every registration step's answers directly (not the finish step)."""

    def fill(vendor: Vendor, **overrides: Any) -> Vendor:
        vendor.contact_name, vendor.contact_email = "Ana Rivera", "ana@example.org"
        vendor.contact_phone = "305-555-0123"
        vendor.capability_statement = "Plumbing."
        vendor.naics_codes.append(VendorNaics(code="238220", is_primary=True))
        vendor.employees, vendor.revenue_band = 12, "1m_5m"
        for name, value in overrides.items():
            setattr(vendor, name, value)
        add_address(vendor)
        return vendor

    return fill
