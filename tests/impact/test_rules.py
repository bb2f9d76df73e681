"""Hand-computed fixtures, one per rule of PRODUCT.md "Impact-purchasing percentages".

Every expected figure is worked out in the comment above it from the fixture's ledger.
"""
from __future__ import annotations

from datetime import date

import pytest

from marketplace import db
from marketplace.institutions.models import LocalRule, LocalRuleCounty
from marketplace.vendors.models import VendorAddress
from tests.impact.conftest import BROWARD, MIAMI, certify, figures, report, spend


@pytest.fixture
def expiring(institution, vendor):
    """A verified MBE expiring on 2025-08-15 (mid 2025Q3) and a vendor that never qualifies.

    Ledger, 2025Q3 (all addressable, Supplies):
      2025-07-10  MBE vendor     1000.00   certificate valid (effective 2025-01-01)
      2025-08-15  MBE vendor      500.00   the expiry day itself: still valid
      2025-08-16  MBE vendor      300.00   1 day after expiry
      2025-09-20  MBE vendor      200.00   36 days after expiry
      2025-08-01  other vendor   3000.00
    Addressable = 1000 + 500 + 300 + 200 + 3000 = 5000.00
    """
    mbe = vendor(MIAMI)
    certify(mbe, "MBE", date(2025, 1, 1), date(2025, 8, 15))
    other = vendor(MIAMI)
    spend(institution, "1000.00", date(2025, 7, 10), mbe)
    spend(institution, "500.00", date(2025, 8, 15), mbe)
    spend(institution, "300.00", date(2025, 8, 16), mbe)
    spend(institution, "200.00", date(2025, 9, 20), mbe)
    spend(institution, "3000.00", date(2025, 8, 1), other)
    return institution


def test_strict_rule_counts_a_certificate_only_on_days_it_is_valid(expiring):
    block = figures("2025Q3", "general")
    assert block["addressable"] == "5000.00"
    # Valid on 07-10 and on the expiry day 08-15: 1000 + 500 = 1500; 1500 / 5000 = 0.3
    assert block["categories"]["mbe"] == {"amount": "1500.00", "share": "0.300000"}
    assert block["categories"]["mwbe"] == {"amount": "1500.00", "share": "0.300000"}
    assert report("2025Q3")["expiry_rule"] == "strict"


def test_grace_days_rule_extends_validity_past_expiry(expiring, region):
    region.expiry_rule, region.grace_days = "grace_days", 30
    db.session.flush()
    block = figures("2025Q3", "general")
    # Valid until 2025-08-15 + 30 days = 2025-09-14: 1000 + 500 + 300 = 1800 (09-20 is out);
    # 1800 / 5000 = 0.36
    assert block["categories"]["mbe"] == {"amount": "1800.00", "share": "0.360000"}
    assert report("2025Q3")["expiry_rule"] == "grace_days=30"


def test_fiscal_year_rule_counts_a_certificate_valid_on_any_day_of_the_fiscal_year(expiring, region):
    region.expiry_rule = "fiscal_year"
    db.session.flush()
    block = figures("2025Q3", "general")
    # July fiscal year: every line falls in FY2026 (2025-07-01..2026-06-30), on whose first
    # days (07-01..08-15) the certificate is valid: 1000 + 500 + 300 + 200 = 2000; 2000 / 5000 = 0.4
    assert block["categories"]["mbe"] == {"amount": "2000.00", "share": "0.400000"}
    assert report("2025Q3")["expiry_rule"] == "fiscal_year"


def test_fiscal_year_rule_uses_each_lines_own_fiscal_year_when_a_quarter_crosses_one(
        region, make_institution, vendor):
    region.expiry_rule = "fiscal_year"
    inst = make_institution(slug="august", fiscal_year_start_month=8)
    mbe = vendor(MIAMI)
    certify(mbe, "MBE", date(2024, 9, 1), date(2025, 7, 20))
    # 2025Q3 holds the end of FY2025 (2024-08-01..2025-07-31) and the start of FY2026.
    spend(inst, "700.00", date(2025, 7, 25), mbe)   # FY2025: certificate valid on some of its days
    spend(inst, "300.00", date(2025, 8, 5), mbe)    # FY2026: certificate valid on none of its days
    block = figures("2025Q3", "august")
    # 700 / (700 + 300) = 0.7
    assert block["addressable"] == "1000.00"
    assert block["categories"]["mbe"] == {"amount": "700.00", "share": "0.700000"}


def test_a_vendor_moving_out_of_the_region_is_local_only_before_the_move(institution, vendor, make_vendor):
    mover = make_vendor()
    mover.addresses.append(VendorAddress(kind="principal", line1="1 A St", city="Fort Lauderdale", state="FL",
                                         zip=BROWARD[0], county=BROWARD[1], effective_to=date(2025, 3, 31)))
    mover.addresses.append(VendorAddress(kind="principal", line1="2 B St", city="Miami", state="FL",
                                         zip=MIAMI[0], county=MIAMI[1], effective_from=date(2025, 4, 1)))
    db.session.flush()
    spend(institution, "1000.00", date(2025, 3, 15), mover)  # in Broward then
    spend(institution, "1000.00", date(2025, 4, 15), mover)  # in Miami-Dade by then
    spend(institution, "2000.00", date(2025, 5, 1), vendor(MIAMI))
    block = figures("FY2025", "general")
    # Local: only the March line, 1000; 1000 / 4000 = 0.25
    assert block["categories"]["local"] == {"amount": "1000.00", "share": "0.250000"}
    assert block["local_rule"] == "Broward region"


def test_a_recorded_move_supersedes_an_open_first_address(institution, make_vendor):
    """The first address has no dates at all; the move's start date ends it for later dates."""
    mover = make_vendor()
    mover.addresses.append(VendorAddress(kind="principal", line1="1 A St", city="Miami", state="FL",
                                         zip=MIAMI[0], county=MIAMI[1]))
    mover.addresses.append(VendorAddress(kind="principal", line1="2 B St", city="Fort Lauderdale", state="FL",
                                         zip=BROWARD[0], county=BROWARD[1], effective_from=date(2025, 1, 1)))
    db.session.flush()
    spend(institution, "400.00", date(2024, 12, 31), mover)  # still Miami
    spend(institution, "600.00", date(2025, 1, 1), mover)    # Broward from the move's first day
    # 600 / 1000 = 0.6
    assert figures("FY2025", "general")["categories"]["local"] == {"amount": "600.00", "share": "0.600000"}


def test_credits_count_in_their_period_in_numerator_and_denominator(institution, vendor):
    local, other = vendor(BROWARD), vendor(MIAMI)
    spend(institution, "1000.00", date(2025, 7, 3), local)
    spend(institution, "-200.00", date(2025, 7, 20), local)   # credit note, same month
    spend(institution, "800.00", date(2025, 7, 5), other)
    spend(institution, "-100.00", date(2025, 7, 6), other)
    spend(institution, "-50.00", date(2025, 8, 2), local)     # August credit: not July's
    july = figures("2025-07", "general")
    # Local 1000 - 200 = 800; addressable 1000 - 200 + 800 - 100 = 1500; 800 / 1500 = 0.5333333…
    assert july["addressable"] == "1500.00"
    assert july["categories"]["local"] == {"amount": "800.00", "share": "0.533333"}
    august = figures("2025-08", "general")
    # Only the credit: -50 / -50 = 1
    assert august["categories"]["local"] == {"amount": "-50.00", "share": "1.000000"}


def test_non_addressable_lines_leave_the_shares_but_stay_in_the_total(institution, vendor):
    local = vendor(BROWARD)
    spend(institution, "5000.00", date(2025, 1, 10), local, category="Payroll")
    spend(institution, "700.00", date(2025, 1, 10), local, category="PAYROLL")  # names compare case-blind
    spend(institution, "1000.00", date(2025, 1, 11), local)
    spend(institution, "3000.00", date(2025, 1, 12), vendor(MIAMI))
    spend(institution, "250.00", date(2025, 1, 12), vendor(MIAMI), category="Uncategorized")  # not marked
    block = figures("2025Q1", "general")
    # Total 5000 + 700 + 1000 + 3000 + 250 = 9950; addressable 1000 + 3000 + 250 = 4250;
    # local 1000 / 4250 = 0.2352941… -> 0.235294
    assert block["total"] == "9950.00"
    assert block["addressable"] == "4250.00"
    assert block["categories"]["local"] == {"amount": "1000.00", "share": "0.235294"}


def test_a_local_mwbe_vendor_counts_once_in_any_impact(institution, vendor):
    spend(institution, "1000.00", date(2025, 2, 1), vendor(BROWARD, certs=("MBE", "WBE")))
    spend(institution, "500.00", date(2025, 2, 1), vendor(MIAMI, certs=("SBE",)))
    spend(institution, "300.00", date(2025, 2, 1), vendor(MIAMI, certs=("employee_owned",)))
    spend(institution, "2200.00", date(2025, 2, 1), vendor(MIAMI))
    block = figures("2025-02", "general")["categories"]
    # Addressable 4000. Local 1000; MWBE 1000 (MBE and WBE, once); diverse 1000; small 500;
    # employee-owned 300 (not diverse); any impact 1000 + 500 + 300 = 1800 -> 0.45
    assert block["local"] == {"amount": "1000.00", "share": "0.250000"}
    assert block["mwbe"] == {"amount": "1000.00", "share": "0.250000"}
    assert block["mbe"]["amount"] == block["wbe"]["amount"] == "1000.00"
    assert block["diverse"] == {"amount": "1000.00", "share": "0.250000"}
    assert block["small"] == {"amount": "500.00", "share": "0.125000"}
    assert block["employee_owned"] == {"amount": "300.00", "share": "0.075000"}
    assert block["any_impact"] == {"amount": "1800.00", "share": "0.450000"}


def test_each_institution_uses_its_own_fiscal_year(region, make_institution, vendor):
    july = make_institution(slug="july", fiscal_year_start_month=7)
    october = make_institution(slug="october", fiscal_year_start_month=10)
    january = make_institution(slug="january", fiscal_year_start_month=1)
    payee = vendor(BROWARD)
    for inst in (july, october, january):
        spend(inst, "1.00", date(2024, 8, 15), payee)
        spend(inst, "20.00", date(2025, 8, 15), payee)
        spend(inst, "300.00", date(2025, 11, 15), payee)
    data = report("FY2025")
    blocks = {b["slug"]: b for b in data["institutions"]}
    # FY2025 = 2024-07-01..2025-06-30 (July): only the 2024-08-15 line, 1.00
    assert (blocks["july"]["period_start"], blocks["july"]["period_end"], blocks["july"]["total"]) == (
        "2024-07-01", "2025-06-30", "1.00")
    # 2024-10-01..2025-09-30 (October): only 2025-08-15, 20.00
    assert (blocks["october"]["period_start"], blocks["october"]["period_end"], blocks["october"]["total"]) == (
        "2024-10-01", "2025-09-30", "20.00")
    # 2025-01-01..2025-12-31 (January): 20 + 300 = 320.00
    assert (blocks["january"]["period_start"], blocks["january"]["period_end"], blocks["january"]["total"]) == (
        "2025-01-01", "2025-12-31", "320.00")
    # Collaborative: 1 + 20 + 320 = 341.00, from the earliest start to the latest end
    assert data["collaborative"]["total"] == "341.00"
    assert (data["collaborative"]["period_start"], data["collaborative"]["period_end"]) == ("2024-07-01", "2025-12-31")


def test_collaborative_share_is_spend_weighted_not_an_average_of_shares(region, make_institution, vendor):
    small_inst = make_institution(slug="small")
    big_inst = make_institution(slug="big")
    local, other = vendor(BROWARD), vendor(MIAMI)
    spend(small_inst, "100.00", date(2025, 5, 1), local)
    spend(small_inst, "900.00", date(2025, 5, 1), other)    # 100 / 1000 = 0.1
    spend(big_inst, "4000.00", date(2025, 5, 1), local)
    spend(big_inst, "4000.00", date(2025, 5, 1), other)     # 4000 / 8000 = 0.5
    collab = report("2025-05")["collaborative"]
    # (100 + 4000) / (1000 + 8000) = 4100 / 9000 = 0.4555… -> 0.455556, not (0.1 + 0.5) / 2 = 0.3
    assert collab["addressable"] == "9000.00"
    assert collab["categories"]["local"] == {"amount": "4100.00", "share": "0.455556"}


def test_only_verified_certificates_qualify_and_claims_show_as_potential(institution, vendor):
    claimed = vendor(MIAMI)
    certify(claimed, "WBE", date(2020, 1, 1), date(2030, 1, 1), status="self_attested")
    waiting = vendor(MIAMI)
    certify(waiting, "SBE", date(2020, 1, 1), date(2030, 1, 1), status="pending")
    both = vendor(MIAMI, certs=("MBE",))
    certify(both, "WBE", date(2020, 1, 1), date(2030, 1, 1), status="self_attested")
    refused = vendor(MIAMI)
    certify(refused, "MBE", date(2020, 1, 1), date(2030, 1, 1), status="rejected")
    spend(institution, "1000.00", date(2025, 3, 1), claimed)
    spend(institution, "500.00", date(2025, 3, 1), waiting)
    spend(institution, "200.00", date(2025, 3, 1), both)
    spend(institution, "300.00", date(2025, 3, 1), refused)
    block = figures("2025-03", "general")
    # Addressable 2000. Verified MWBE: only `both` (MBE) 200 -> 0.1.
    assert block["categories"]["mwbe"] == {"amount": "200.00", "share": "0.100000"}
    assert block["categories"]["small"]["amount"] == "0.00"
    # Potential = would also qualify if claims were verified: MWBE 1000 (`both` already counts) -> 0.5;
    # WBE 1000 + 200 = 1200 -> 0.6; small 500 -> 0.25; the rejected claim never counts.
    assert block["potential"]["mwbe"] == {"amount": "1000.00", "share": "0.500000"}
    assert block["potential"]["wbe"] == {"amount": "1200.00", "share": "0.600000"}
    assert block["potential"]["small"] == {"amount": "500.00", "share": "0.250000"}
    assert block["potential"]["any_impact"] == {"amount": "1500.00", "share": "0.750000"}
    assert block["potential"]["local"]["amount"] == "0.00"


def test_tier_2_lines_are_never_added_to_tier_1(institution, vendor):
    local = vendor(BROWARD)
    spend(institution, "1000.00", date(2025, 3, 1), local)
    spend(institution, "1000.00", date(2025, 3, 1), vendor(MIAMI))
    spend(institution, "5000.00", date(2025, 3, 1), local, tier=2)
    block = figures("2025-03", "general")
    # Tier 1 only: local 1000 / 2000 = 0.5; the 5000 subcontract payment is left out entirely.
    assert (block["total"], block["addressable"]) == ("2000.00", "2000.00")
    assert block["categories"]["local"] == {"amount": "1000.00", "share": "0.500000"}


def test_unmatched_lines_count_in_the_denominator_only(institution, vendor):
    spend(institution, "1000.00", date(2025, 3, 1), vendor(BROWARD, certs=("SBE",)))
    spend(institution, "3000.00", date(2025, 3, 1), None)
    block = figures("2025-03", "general")
    # 1000 / (1000 + 3000) = 0.25 for local, small and any impact alike
    assert block["addressable"] == "4000.00"
    assert block["categories"]["any_impact"] == {"amount": "1000.00", "share": "0.250000"}


def test_disabled_types_are_omitted_and_do_not_count_in_any_impact(institution, vendor, region):
    region.enabled_certification_types = ["SBE", "employee_owned"]
    db.session.flush()
    spend(institution, "100.00", date(2025, 3, 1), vendor(MIAMI, certs=("MBE",)))
    spend(institution, "300.00", date(2025, 3, 1), vendor(MIAMI, certs=("employee_owned",)))
    block = figures("2025-03", "general")
    assert list(block["categories"]) == ["local", "small", "any_impact", "sbe", "employee_owned"]
    # Any impact = employee-owned 300 only (MBE is disabled): 300 / 400 = 0.75
    assert block["categories"]["any_impact"] == {"amount": "300.00", "share": "0.750000"}


def test_an_institution_with_its_own_local_rule_uses_it(region, make_institution, vendor):
    own = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")])
    inst = make_institution(slug="miami", local_rule=own)
    spend(inst, "250.00", date(2025, 3, 1), vendor(MIAMI))
    spend(inst, "750.00", date(2025, 3, 1), vendor(BROWARD))
    block = figures("2025-03", "miami")
    # Under its own rule only the Miami-Dade vendor is local: 250 / 1000 = 0.25
    assert block["categories"]["local"] == {"amount": "250.00", "share": "0.250000"}
    assert block["local_rule"] == "Miami-Dade only"


def test_nothing_addressable_gives_zero_shares(institution, vendor):
    spend(institution, "900.00", date(2025, 3, 1), vendor(BROWARD), category="Payroll")
    block = figures("2025-03", "general")
    assert (block["total"], block["addressable"]) == ("900.00", "0.00")
    assert block["categories"]["local"] == {"amount": "0.00", "share": "0.000000"}


def test_shares_round_half_even_only_at_output(institution, vendor):
    spend(institution, "1.00", date(2025, 3, 1), vendor(BROWARD))
    spend(institution, "1999999.00", date(2025, 3, 1), vendor(MIAMI))
    # 1 / 2000000 = 0.0000005 exactly: half-even to six places gives 0.000000 (not 0.000001)
    assert figures("2025-03", "general")["categories"]["local"]["share"] == "0.000000"
