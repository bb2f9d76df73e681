"""What the small demo holds: counts, every opportunity status, realistic vendors, the spend shift."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
import zipcodes

from marketplace.audit import AuditEvent
from marketplace.auth.models import User
from marketplace.bids.models import Bid, BidVersion
from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.institutions.models import Collaborative, Institution, LocalRuleCounty, SpendCategory
from marketplace.models_common import CERTIFICATION_TYPES
from marketplace.opportunities.models import Addendum, Follow, Opportunity, Question
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics
from tests.seed.shares import shares_by_year_index


def count(conn, model, *where) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def status(row, now: datetime) -> str:
    """The opportunity status as its timestamps define it."""
    if row.published_at is None:
        return "draft"
    if row.cancelled_at is not None:
        return "cancelled"
    if row.awarded_at is not None:
        return "awarded"
    if row.no_award_at is not None:
        return "no_award"
    return "open" if now < row.closes_at else "closed"


def test_small_scale_counts_are_in_the_stated_ranges(seeded):
    assert count(seeded, Collaborative) == 1
    assert 8 <= count(seeded, Institution) <= 12
    assert 250 <= count(seeded, Vendor) <= 350
    assert 120 <= count(seeded, Opportunity) <= 180
    assert count(seeded, SpendLine) >= 50_000
    assert count(seeded, ImportBatch) == count(seeded, Institution)
    assert count(seeded, User, User.role == "backbone") == 1
    assert count(seeded, User, User.role == "officer") == count(seeded, Institution)
    assert count(seeded, User, User.role == "vendor") >= count(seeded, Vendor)
    assert count(seeded, AuditEvent, AuditEvent.action == "demo.seeded") == 1
    for model in (Question, Addendum, Follow, Bid, BidVersion):
        assert count(seeded, model) > 0, model.__name__


def test_the_collaborative_covers_three_south_florida_counties_spelled_as_zipcodes_spells_them(seeded):
    collaborative = seeded.execute(sa.select(Collaborative)).one()
    assert collaborative.name == "South Florida Anchor Alliance"
    assert collaborative.expiry_rule == "strict"
    assert sorted(collaborative.enabled_certification_types) == sorted(CERTIFICATION_TYPES)
    counties = seeded.scalars(sa.select(LocalRuleCounty.county).order_by(LocalRuleCounty.county)).all()
    assert counties == ["Broward County", "Miami-Dade County", "Palm Beach County"]
    florida = {z["county"] for z in zipcodes.filter_by(state="FL")}
    assert set(counties) <= florida


def test_institutions_differ_in_sector_and_fiscal_year_and_mark_non_addressable_categories(seeded):
    institutions = seeded.execute(sa.select(Institution)).all()
    assert {i.sector for i in institutions} >= {"health", "higher_education", "k12", "city", "county"}
    assert {i.fiscal_year_start_month for i in institutions} == {1, 7, 10}
    assert {i.timezone for i in institutions} == {"America/New_York"}
    non_addressable = set(seeded.scalars(sa.select(SpendCategory.name).where(~SpendCategory.addressable)))
    assert {"Payroll", "Taxes", "Utilities", "Intergovernmental"} <= non_addressable


def test_every_opportunity_status_is_present_and_drafts_have_no_bids(seeded):
    now = datetime.now(UTC)
    rows = seeded.execute(sa.select(Opportunity)).all()
    statuses = {row.id: status(row, now) for row in rows}
    assert set(statuses.values()) == {"draft", "open", "closed", "awarded", "cancelled", "no_award"}
    bid_opportunities = set(seeded.scalars(sa.select(Bid.opportunity_id)))
    assert not {o for o in bid_opportunities if statuses[o] == "draft"}
    assert any(statuses[o] == "open" for o in bid_opportunities)  # sealed bids exist before closing
    for row in rows:
        if statuses[row.id] == "awarded":
            assert row.opened_at is not None and row.opened_at <= row.awarded_at


def test_every_bid_version_was_received_before_closing(seeded):
    late = seeded.scalar(
        sa.select(sa.func.count()).select_from(BidVersion).join(Bid).join(Opportunity)
        .where(BidVersion.received_at >= Opportunity.closes_at))
    assert late == 0


def test_vendors_have_unique_eins_real_zip_codes_and_one_to_three_naics_codes_one_primary(seeded):
    eins = seeded.scalars(sa.select(Vendor.ein).where(Vendor.ein.is_not(None))).all()
    assert len(eins) == len(set(eins)) and all(re.fullmatch(r"\d{2}-\d{7}", ein) for ein in eins)
    addresses = seeded.execute(sa.select(VendorAddress.zip, VendorAddress.county, VendorAddress.state)).all()
    for zip_code, county, state in addresses[:60]:
        match = zipcodes.matching(zip_code)
        assert match and match[0]["county"] == county and match[0]["state"] == state
    moved = seeded.scalar(sa.select(sa.func.count()).select_from(VendorAddress)
                          .where(VendorAddress.effective_from.is_not(None)))
    assert moved > 0
    primaries = seeded.execute(sa.select(VendorNaics.vendor_id, sa.func.count())
                               .where(VendorNaics.is_primary).group_by(VendorNaics.vendor_id)).all()
    assert len(primaries) == count(seeded, Vendor) and {n for _v, n in primaries} == {1}
    per_vendor = seeded.execute(sa.select(sa.func.count()).select_from(VendorNaics).group_by(VendorNaics.vendor_id))
    assert {n for (n,) in per_vendor} <= {1, 2, 3}


def test_certifications_mix_statuses_some_expired_and_verified_ones_name_the_backbone(seeded):
    statuses = set(seeded.scalars(sa.select(Certification.status)))
    assert {"verified", "self_attested", "pending", "rejected"} <= statuses
    assert count(seeded, Certification, Certification.expires_on < datetime.now(UTC).date()) > 0
    backbone = seeded.scalar(sa.select(User.id).where(User.role == "backbone"))
    verifiers = set(seeded.scalars(sa.select(Certification.verified_by_id).where(Certification.status == "verified")))
    assert verifiers == {backbone}


def test_spend_has_credits_unmatched_lines_contract_payments_and_decimal_amounts(seeded):
    assert count(seeded, SpendLine, SpendLine.amount < 0) > 0
    assert count(seeded, SpendLine, SpendLine.vendor_id.is_(None), SpendLine.match_status == "unmatched") > 0
    assert count(seeded, SpendLine, SpendLine.source == "award", SpendLine.contract_id.is_not(None)) > 0
    assert isinstance(seeded.scalar(sa.select(SpendLine.amount).limit(1)), Decimal)


def test_local_and_mwbe_share_of_addressable_spend_rises_over_the_three_fiscal_years(seeded):
    shares = shares_by_year_index(seeded)
    first, second, third = shares[:3]
    assert Decimal("0.09") <= first <= Decimal("0.16")
    assert Decimal("0.17") <= third <= Decimal("0.25")
    assert first < second < third


def test_the_demo_officer_sees_every_status_and_the_demo_vendor_has_bids_and_verified_certificates(seeded):
    now = datetime.now(UTC)
    officer = seeded.execute(sa.select(User).where(User.email == "officer@demo.anchor.test")).one()
    rows = seeded.execute(sa.select(Opportunity).where(Opportunity.institution_id == officer.institution_id)).all()
    assert {status(row, now) for row in rows} == {"draft", "open", "closed", "awarded", "cancelled", "no_award"}
    vendor_id = seeded.scalar(sa.select(User.vendor_id).where(User.email == "vendor@demo.anchor.test"))
    assert count(seeded, Bid, Bid.vendor_id == vendor_id) >= 3
    verified = set(seeded.scalars(sa.select(Certification.type).where(
        Certification.vendor_id == vendor_id, Certification.status == "verified",
        Certification.expires_on >= now.date())))
    assert {"MBE", "SBE"} <= verified
