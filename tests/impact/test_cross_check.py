"""The set-based SQL agrees line by line with the Python rule engines on random address and certificate histories."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from marketplace import db
from marketplace.vendors.eligibility import verified_certifications_on
from marketplace.vendors.local import is_local
from marketplace.vendors.models import VendorAddress
from tests.impact.conftest import BROWARD, MIAMI, certify, figures, spend

YEAR_START = date(2025, 1, 1)


def _day(rng: random.Random, spread: int = 365) -> date:
    return YEAR_START + timedelta(days=rng.randrange(-60, spread + 60))


def test_sql_figures_equal_a_line_by_line_evaluation_with_the_python_engines(region, make_institution, make_vendor):
    rng = random.Random(20261127)
    inst = make_institution(slug="calendar", fiscal_year_start_month=1)
    rule = region.local_rule
    vendors = []
    for _ in range(15):
        vendor = make_vendor()
        moves = sorted({_day(rng) for _ in range(rng.randrange(0, 3))})
        starts = [None, *moves]
        for index, start in enumerate(starts):
            where = rng.choice((BROWARD, MIAMI))
            closed = rng.random() < 0.5 and index + 1 < len(starts)  # sometimes the old address stays open
            end = starts[index + 1] - timedelta(days=1) if closed else None
            vendor.addresses.append(VendorAddress(kind="principal", line1=f"{index} St", city="City", state="FL",
                                                  zip=where[0], county=where[1], effective_from=start,
                                                  effective_to=end))
        db.session.flush()
        for _ in range(rng.randrange(0, 4)):
            effective = _day(rng)
            certify(vendor, rng.choice(("MBE", "WBE", "SBE")), effective, effective + timedelta(days=rng.randrange(0, 200)),
                    status=rng.choice(("verified", "verified", "self_attested", "rejected")))
        vendors.append(vendor)
    expected = {"local": Decimal(0), "mwbe": Decimal(0), "small": Decimal(0), "addressable": Decimal(0)}
    for _ in range(300):
        vendor, day = rng.choice(vendors), YEAR_START + timedelta(days=rng.randrange(365))
        amount = Decimal(rng.randrange(-50_000, 500_000)).scaleb(-2)
        spend(inst, str(amount), day, vendor)
        db.session.refresh(vendor)
        expected["addressable"] += amount
        if is_local(vendor, rule, day).is_local:
            expected["local"] += amount
        if verified_certifications_on(vendor, day, ("MBE", "WBE")):
            expected["mwbe"] += amount
        if verified_certifications_on(vendor, day, ("SBE",)):
            expected["small"] += amount
    block = figures("FY2025", "calendar")
    assert block["addressable"] == f"{expected['addressable']:.2f}"
    for key in ("local", "mwbe", "small"):
        assert block["categories"][key]["amount"] == f"{expected[key]:.2f}", key
