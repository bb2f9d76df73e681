"""A small ledger for the dashboard tests, with every figure worked out by hand.

Today is 2025-11-15 (frozen); both institutions have July fiscal years, so the current fiscal
year is FY2026 (2025-07-01 to 2026-06-30) and the baseline FY2025 (2024-07-01 to 2025-06-30).

General Hospital (slug general)                        FY2025         FY2026 to date
  Broward Supply (local)                               100.00         300.00 (2025-08-01)
  Miami MBE Co (verified MBE, not local)               —              200.00 (2025-08-02)
  Miami Plain Co (neither)                             900.00         500.00 (2025-08-03)
  UNKNOWN PAYEE (unmatched: denominator only)          —              250.00 (2025-09-01)
  Payroll (non-addressable)                            —             1000.00
  addressable                                         1000.00        1250.00
  local share                                          10%            300/1250 = 24%
  mwbe share                                            0%            200/1250 = 16%

Other Hospital (slug other)
  Other Local Co (local)                               —              100.00 (2025-10-01)
  Other Plain Co (neither)                            1000.00         650.00
  addressable                                         1000.00         750.00
  local share                                           0%            100/750 = 13.33…%

Collaborative (Σ numerators ÷ Σ denominators)
  local: FY2025 100/2000 = 5%;  FY2026 400/2000 = 20%   (not the average of 24% and 13.33%)
  local dollars shifted = (0.20 − 0.05) × 2000.00 = 300.00
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from marketplace.institutions.models import Institution, SpendCategory
from marketplace.vendors.models import Vendor
from tests.impact.conftest import BROWARD, spend

TODAY = datetime(2025, 11, 15, 17, 0, tzinfo=UTC)


@dataclass
class Ledger:
    """The two institutions and the vendors the tests look for."""

    general: Institution
    other: Institution
    local: Vendor
    mbe: Vendor
    plain: Vendor
    other_local: Vendor


def build(institution: Institution, make_institution, vendor) -> Ledger:
    """Write the ledger above; `institution` is the conftest's General Hospital."""
    other = make_institution(slug="other", name="Other Hospital", fiscal_year_start_month=7)
    other.spend_categories.append(SpendCategory(name="Supplies", addressable=True))
    local = vendor(BROWARD, legal_name="Broward Supply LLC")
    mbe = vendor(certs=("MBE",), legal_name="Miami MBE Co")
    plain = vendor(legal_name="Miami Plain Co")
    other_local = vendor(BROWARD, legal_name="Other Local Co")
    spend(institution, "100.00", date(2024, 9, 10), local)
    spend(institution, "900.00", date(2024, 9, 11), plain)
    spend(institution, "300.00", date(2025, 8, 1), local)
    spend(institution, "200.00", date(2025, 8, 2), mbe)
    spend(institution, "500.00", date(2025, 8, 3), plain)
    spend(institution, "250.00", date(2025, 9, 1), None)
    spend(institution, "1000.00", date(2025, 9, 2), plain, category="Payroll")
    spend(other, "1000.00", date(2024, 10, 1), plain)
    spend(other, "100.00", date(2025, 10, 1), other_local)
    spend(other, "650.00", date(2025, 10, 2), plain)
    return Ledger(institution, other, local, mbe, plain, other_local)
