"""Data for bench/impact.py: a collaborative of anchors, vendors with histories, and ERP extracts.

Deterministic for a seed. Vendors get a principal address (some move), EINs for most, and
certificates of every status; each institution's extract pays a few thousand of them (by
name and ZIP, with an EIN on half the lines), some unknown payees, credits and
non-addressable categories, over forty months.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from marketplace import db
from marketplace.auth.registration import normalize_business_name
from marketplace.institutions.models import (
    Collaborative,
    Institution,
    LocalRule,
    LocalRuleCounty,
    LocalRuleZip,
    SpendCategory,
)
from marketplace.vendors.models import Certification, Vendor, VendorAddress

COUNTIES = ("Broward", "Miami-Dade", "Palm Beach", "Monroe", "Collier", "Hendry")
ADDRESSABLE = ("Supplies", "Services", "Construction", "Technology", "Food")
NON_ADDRESSABLE = ("Payroll", "Utilities")
TYPES = ("SBE", "MBE", "WBE", "DBE", "DOBE", "VBE", "SDVOB", "LGBTBE", "employee_owned")
FIRST_DAY, LAST_DAY = date(2023, 7, 1), date(2026, 10, 31)
WORDS = ("Atlantic", "Coastal", "Harbor", "Sunrise", "Palm", "Everglades", "Bay", "Gulf", "Keys", "Mangrove",
         "Pelican", "Heron", "Citrus", "Coral", "Tide", "Breeze", "Summit", "Anchor", "Beacon", "Lighthouse")
TRADES = ("Supply", "Janitorial", "Construction", "Catering", "Electric", "Plumbing", "Printing", "IT Services",
          "Landscaping", "Medical", "Logistics", "Security", "Staffing", "Consulting", "Roofing", "Linen")


@dataclass
class Payee:
    """How a vendor appears on the institutions' extracts."""

    name: str
    zip: str
    ein: str | None


def _zip_county(index: int) -> tuple[str, str]:
    return f"{33000 + index:05d}", COUNTIES[index % len(COUNTIES)]


def create_collaborative(institutions: int, now: datetime) -> list[Institution]:
    """The region (Broward + Palm Beach + one extra ZIP), the collaborative and its anchors."""
    region = LocalRule(name="South Florida region", counties=[LocalRuleCounty(state="FL", county="Broward"),
                                                               LocalRuleCounty(state="FL", county="Palm Beach")],
                       extra_zips=[LocalRuleZip(zip="33001")])
    miami = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade")])
    db.session.add(Collaborative(name="Bench Collaborative", local_rule=region, expiry_rule="strict",
                                 enabled_certification_types=list(TYPES)))
    anchors = []
    for n in range(institutions):
        inst = Institution(slug=f"anchor-{n + 1:02d}", name=f"Anchor {n + 1}", sector="health",
                           fiscal_year_start_month=(7, 1, 10, 7, 9)[n % 5], created_at=now,
                           local_rule=miami if n % 7 == 3 else None)
        inst.spend_categories = [SpendCategory(name=c) for c in ADDRESSABLE] + [
            SpendCategory(name=c, addressable=False) for c in NON_ADDRESSABLE]
        db.session.add(inst)
        anchors.append(inst)
    db.session.flush()
    return anchors


def create_vendors(count: int, rng: random.Random, now: datetime) -> list[Payee]:
    """`count` vendors with addresses and certificates, inserted in bulk; their payee details."""
    vendors, addresses, certs, payees = [], [], [], []
    zips = 300
    first_id = (db.session.scalar(sa.select(sa.func.max(Vendor.id))) or 0) + 1
    for n in range(count):
        vendor_id = first_id + n
        name = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {n} LLC"
        ein = f"{10 + n // 10_000_000:02d}-{n % 10_000_000:07d}" if rng.random() < 0.6 else None
        vendors.append({"id": vendor_id, "legal_name": name, "normalized_name": normalize_business_name(name),
                        "ein": ein, "capability_statement": "", "created_at": now, "updated_at": now})
        zip_code, county = _zip_county(rng.randrange(zips))
        move = rng.random() < 0.15
        since = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days)) if move else None
        addresses.append({"vendor_id": vendor_id, "kind": "principal", "line1": f"{n} Main St", "city": "City",
                          "state": "FL", "zip": zip_code, "county": f"{county} County", "effective_from": None,
                          "effective_to": since - timedelta(days=1) if since else None})
        if since:
            new_zip, new_county = _zip_county(rng.randrange(zips))
            addresses.append({"vendor_id": vendor_id, "kind": "principal", "line1": f"{n} New Rd", "city": "Town",
                              "state": "FL", "zip": new_zip, "county": new_county, "effective_from": since,
                              "effective_to": None})
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            effective = date(2021, 1, 1) + timedelta(days=rng.randrange(2000))
            certs.append({"vendor_id": vendor_id, "type": rng.choice(TYPES), "agency": "State of Florida",
                          "effective_on": effective, "expires_on": effective + timedelta(days=rng.randrange(200, 1100)),
                          "status": rng.choices(("verified", "self_attested", "pending", "rejected"), (70, 15, 10, 5))[0],
                          "created_at": now})
        payees.append(Payee(name, zip_code, ein))
    for table, rows in ((Vendor.__table__, vendors), (VendorAddress.__table__, addresses),
                        (Certification.__table__, certs)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[start:start + 5000])
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('vendors', 'id'), "
                                   "(SELECT MAX(id) FROM vendors))"))
    return payees


def extract(inst: Institution, lines: int, payees: list[Payee], rng: random.Random) -> bytes:
    """One institution's AP extract as CSV bytes: `lines` payments to a few thousand payees."""
    pool = rng.sample(payees, min(len(payees), 3000))
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(pool))]
    chosen = rng.choices(pool, weights, k=lines)
    span = (LAST_DAY - FIRST_DAY).days + 1
    out = io.StringIO()
    out.write("line_id,vendor_name,ein,zip,amount,payment_date,category\n")
    categories = ADDRESSABLE + NON_ADDRESSABLE
    category_weights = (30, 25, 15, 15, 5, 6, 4)
    for n, payee in enumerate(chosen):
        if rng.random() < 0.06:
            name, zip_code, ein = f"Unknown Payee {rng.randrange(2000)}", f"{33000 + rng.randrange(300):05d}", ""
        else:
            name, zip_code = payee.name, payee.zip
            ein = payee.ein if payee.ein and rng.random() < 0.5 else ""
        cents = rng.randrange(1_000, 5_000_000) * (-1 if rng.random() < 0.03 else 1)
        day = FIRST_DAY + timedelta(days=rng.randrange(span))
        category = rng.choices(categories, category_weights)[0]
        out.write(f"{inst.slug}-{n},{name},{ein},{zip_code},{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d},{day.isoformat()},{category}\n")
    return out.getvalue().encode()


def now_utc() -> datetime:
    """The bench's clock (the app's clock is not needed for generated history)."""
    return datetime.now(UTC)
