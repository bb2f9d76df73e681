"""Fixtures for impact tests: a region, vendors with dated addresses and certificates, spend lines."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

import pytest

from marketplace import db
from marketplace.impact.models import SpendLine
from marketplace.impact.report import compute_report, report_to_json
from marketplace.institutions.models import Institution, LocalRuleCounty, SpendCategory
from marketplace.vendors.models import Certification, Vendor, VendorAddress

BROWARD = ("33301", "Broward County")  # Fort Lauderdale: inside the test region
MIAMI = ("33130", "Miami-Dade County")  # Miami: outside it


@pytest.fixture
def region(collaborative):
    """The collaborative's region is Broward County, FL; strict expiry; every type enabled."""
    collaborative.local_rule.name = "Broward region"
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward"))
    db.session.flush()
    return collaborative


@pytest.fixture
def institution(region, make_institution) -> Institution:
    """An institution with a July fiscal year and a non-addressable payroll category."""
    inst = make_institution(slug="general", name="General Hospital", fiscal_year_start_month=7)
    inst.spend_categories.append(SpendCategory(name="Payroll", addressable=False))
    inst.spend_categories.append(SpendCategory(name="Supplies", addressable=True))
    db.session.flush()
    return inst


@pytest.fixture
def vendor(make_vendor) -> Callable[..., Vendor]:
    """A vendor with a principal address (`where` = BROWARD, MIAMI or None) and verified certificates."""

    def make(where: tuple[str, str] | None = MIAMI, certs: tuple[str, ...] = (), **fields) -> Vendor:
        v = make_vendor(**fields)
        if where is not None:
            v.addresses.append(VendorAddress(kind="principal", line1="1 Main St", city="City", state="FL",
                                             zip=where[0], county=where[1]))
        for cert_type in certs:
            certify(v, cert_type, date(2000, 1, 1), date(2099, 12, 31))
        db.session.flush()
        return v

    return make


def certify(vendor: Vendor, cert_type: str, effective: date, expires: date, status: str = "verified") -> Certification:
    """Give `vendor` a certificate of `cert_type` valid from `effective` to `expires` (both days)."""
    cert = Certification(vendor_id=vendor.id, type=cert_type, agency="Agency", effective_on=effective,
                         expires_on=expires, status=status, created_at=datetime.now(UTC))
    db.session.add(cert)
    db.session.flush()
    return cert


_line_numbers = count(1)


def spend(inst: Institution, amount: str, day: date, vendor: Vendor | None = None, *,
          category: str = "Supplies", tier: int = 1) -> SpendLine:
    """Add one spend line (amount as a string, so the test reads like the ledger)."""
    line = SpendLine(institution_id=inst.id, line_id=f"L{next(_line_numbers)}",
                     vendor_id=vendor.id if vendor else None, vendor_name=vendor.legal_name if vendor else "UNKNOWN PAYEE",
                     amount=Decimal(amount), payment_date=day, category=category, source="import", tier=tier,
                     match_status="matched" if vendor else "unmatched", created_at=datetime.now(UTC))
    db.session.add(line)
    db.session.flush()
    return line


def report(period: str, slugs: list[str] | None = None) -> dict:
    """The report's JSON form (the contract), for assertions."""
    return report_to_json(compute_report(period, slugs))


def figures(period: str, slug: str) -> dict:
    """One institution's block of the report."""
    (block,) = report(period, [slug])["institutions"]
    return block
