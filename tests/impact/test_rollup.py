"""The monthly rollups stay exactly equal to the raw computation after every kind of change.

Each test builds a varied ledger (three fiscal years, an institution with its own region,
address moves, certificates of every status, credits, unmatched and non-addressable lines,
Tier 2 lines), builds the rollup, makes one kind of change, commits, and compares the
rollup-based report with the raw one for every institution × month, quarter and fiscal
year × category, to the cent. "Fresh" also asserts no stale marker is left, so the
rollup-based figures really came from the stored cells.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.impact import rollup
from marketplace.impact.compute import monthly_cents
from marketplace.impact.models import ImpactRollup, ImpactRollupStale, ImpactRollupState, SpendLine
from marketplace.impact.report import compute_reports, report_to_json
from marketplace.impact.rollup_commands import all_periods
from marketplace.institutions.models import LocalRule, LocalRuleCounty, SpendCategory
from marketplace.vendors.models import Certification, VendorAddress
from tests.impact.conftest import BROWARD, MIAMI, certify, spend

PALM = ("33401", "Palm Beach County")
START = date(2024, 10, 1)


def _day(rng: random.Random) -> date:
    return START + timedelta(days=rng.randrange(0, 450))


@pytest.fixture
def ledger(region, make_institution, make_vendor):
    """Three institutions and a random but fixed ledger; the rollup built and committed."""
    rng = random.Random(7)
    own_rule = LocalRule(name="Palm Beach only", counties=[LocalRuleCounty(state="FL", county="Palm Beach")])
    institutions = [make_institution(slug="july", fiscal_year_start_month=7),
                    make_institution(slug="calendar", fiscal_year_start_month=1),
                    make_institution(slug="october", fiscal_year_start_month=10, local_rule=own_rule)]
    for inst in institutions:
        inst.spend_categories += [SpendCategory(name="Supplies"), SpendCategory(name="Payroll", addressable=False)]
    vendors = []
    for n in range(14):
        vendor = make_vendor(legal_name=f"Ledger Vendor {n} LLC", normalized_name=f"ledger vendor {n}")
        starts = [None, *sorted({_day(rng) for _ in range(rng.randrange(0, 3))})]
        for index, since in enumerate(starts):
            where = rng.choice((BROWARD, MIAMI, PALM))
            end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else None
            vendor.addresses.append(VendorAddress(kind="principal", line1=f"{index} Main St", city="City", state="FL",
                                                  zip=where[0], county=where[1], effective_from=since,
                                                  effective_to=end))
        db.session.flush()
        for _ in range(rng.randrange(0, 4)):
            effective = _day(rng)
            certify(vendor, rng.choice(("MBE", "WBE", "SBE", "VBE", "employee_owned")), effective,
                    effective + timedelta(days=rng.randrange(0, 400)),
                    status=rng.choice(("verified", "verified", "self_attested", "pending", "rejected", "withdrawn")))
        vendors.append(vendor)
    for _ in range(300):
        inst = rng.choice(institutions)
        vendor = rng.choice([*vendors, None])
        amount = Decimal(rng.randrange(-20_000, 900_000)).scaleb(-2)
        spend(inst, str(amount), _day(rng), vendor, category=rng.choice(("Supplies", "Supplies", "Payroll")),
              tier=rng.choice((1, 1, 1, 2)))
    rollup.refresh()
    db.session.commit()
    assert_exact()
    return institutions, vendors


def assert_exact(*, fresh: bool = True) -> None:
    """Rollup-based figures equal raw ones everywhere; with `fresh`, none came from a fallback."""
    labels = all_periods()
    assert len(labels) > 20
    fast = [report_to_json(r) for r in compute_reports(labels, source="rollup")]
    slow = [report_to_json(r) for r in compute_reports(labels, source="raw")]
    for a, b in zip(fast, slow, strict=True):
        assert a == b, a["period"]
    if fresh:
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollupStale)) == 0
        settings = rollup.current_settings()
        states = {s.institution_id: s.config for s in db.session.scalars(sa.select(ImpactRollupState))}
        for inst in db.session.scalars(sa.select(rollup.Institution)):
            assert states[inst.id] == settings.config(inst)
            _assert_cells_equal_lines(inst, settings)


def _assert_cells_equal_lines(inst, settings) -> None:
    """The stored cells themselves equal the month sums computed from the lines."""
    raw = monthly_cents(inst, [(date(2020, 1, 1), date(2030, 12, 31))], expiry=settings.expiry,
                        enabled=settings.enabled, rule=settings.rule_for(inst))
    columns = rollup._cell_columns(settings)
    stored = {row[0]: [int(v) for v in row[1:]] for row in db.session.execute(
        sa.select(ImpactRollup.month, *columns).where(ImpactRollup.institution_id == inst.id))}
    assert stored == raw


def _csv(rows: list[tuple]) -> bytes:
    header = "line_id,vendor_name,ein,zip,amount,payment_date,category\n"
    return (header + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def test_built_rollup_equals_raw_for_every_institution_period_and_category(ledger):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollup)) >= 3 * 15


def test_import_and_reimport_keep_the_rollup_exact(ledger):
    from marketplace.impact.spend_import import import_spend

    institutions, vendors = ledger
    rows = [(f"IMP{n}", vendors[n % 5].legal_name, "", BROWARD[0] if n % 2 else MIAMI[0], f"{n * 37.5:.2f}",
             (date(2024, 10, 3) + timedelta(days=11 * n)).isoformat(), "Supplies") for n in range(40)]
    rows.append(("IMP-X", "Nobody Known Inc", "", "33301", "-12.34", "2025-03-05", "Payroll"))
    result = import_spend(institutions[0], "extract.csv", _csv(rows))
    db.session.commit()
    assert result.added == 41
    assert_exact()
    again = import_spend(institutions[0], "extract.csv", _csv(rows))
    db.session.commit()
    assert again.added == 0
    assert_exact()


def test_linking_a_line_from_the_review_queue_keeps_the_rollup_exact(ledger):
    from marketplace.impact.services import link_line

    institutions, vendors = ledger
    certify(vendors[0], "MBE", date(2020, 1, 1), date(2030, 1, 1))
    db.session.commit()
    line = db.session.scalar(sa.select(SpendLine).where(SpendLine.vendor_id.is_(None), SpendLine.tier == 1)
                             .order_by(SpendLine.id).limit(1))
    link_line(line, vendors[0].id, same_payee=True)
    db.session.commit()
    assert_exact()


def test_certification_decisions_keep_the_rollup_exact(ledger, make_user):
    from marketplace.vendors import certifications as certs

    _institutions, vendors = ledger
    backbone = make_user("backbone")
    now = datetime.now(UTC)
    pending = [certify(v, "WBE", date(2024, 12, 1), date(2025, 9, 30), status="pending") for v in vendors[:3]]
    db.session.commit()
    assert_exact()
    certs.verify(pending[0], actor=backbone, now=now)
    db.session.commit()
    assert_exact()
    certs.reject(pending[1], "Not owned by a woman", actor=backbone, now=now)
    db.session.commit()
    assert_exact()
    certs.withdraw(pending[0], actor=backbone, now=now)
    db.session.commit()
    assert_exact()
    old = certify(vendors[4], "SBE", date(2024, 1, 1), date(2024, 12, 31))
    data = certs.CertificationInput("SBE", "Agency", None, date(2025, 1, 1), date(2026, 12, 31))
    renewal = certs.renew(old, data, actor=backbone, now=now)
    renewal.status = "pending"
    db.session.commit()
    certs.verify(renewal, actor=backbone, now=now)
    renewal.expires_on = date(2025, 6, 30)  # a corrected expiry date
    db.session.commit()
    assert_exact()


def test_the_passing_of_time_changes_nothing_and_needs_no_refresh(ledger, frozen_clock):
    frozen_clock(datetime(2031, 1, 1, tzinfo=UTC))  # every certificate has expired by now
    assert_exact()


def test_address_moves_and_corrections_keep_the_rollup_exact(ledger):
    from marketplace.vendors.profile_addresses import save_principal_address

    _institutions, vendors = ledger
    for vendor, where in ((vendors[1], BROWARD), (vendors[2], MIAMI)):
        save_principal_address(vendor, line1="9 New Rd", line2=None, city="Town", state="FL", zip_code=where[0],
                               change="move", since=date(2025, 8, 1), today=date(2026, 9, 1))
    db.session.commit()
    assert_exact()
    first = min((a for a in vendors[3].addresses if a.kind == "principal"), key=lambda a: a.id)
    first.county, first.zip = PALM[1], PALM[0]  # a correction of the oldest address
    db.session.commit()
    assert_exact()


def test_expiry_rule_changes_are_exact_at_once_and_fresh_after_refresh(ledger, runner):
    collaborative = ledger[0][0] and db.session.scalar(sa.select(rollup.Collaborative))
    for rule, grace in (("fiscal_year", 0), ("grace_days", 45)):
        collaborative.expiry_rule, collaborative.grace_days = rule, grace
        db.session.commit()
        assert_exact(fresh=False)  # built under another rule: computed from the lines meanwhile
        assert runner.invoke(args=["impact", "refresh"]).exit_code == 0
        assert_exact()


def test_addressable_flag_and_line_edits_keep_the_rollup_exact(ledger):
    institutions, _vendors = ledger
    payroll = next(c for c in institutions[1].spend_categories if c.name == "Payroll")
    payroll.addressable = True
    db.session.commit()
    assert_exact()
    lines = list(db.session.scalars(sa.select(SpendLine).order_by(SpendLine.id).limit(3)))
    lines[0].amount = Decimal("-999.99")
    lines[1].payment_date = date(2025, 2, 28)
    db.session.delete(lines[2])
    db.session.commit()
    assert_exact()


def test_region_and_fiscal_year_changes_wait_for_refresh_yet_stay_exact(ledger, runner):
    institutions, _vendors = ledger
    region = db.session.scalar(sa.select(rollup.Collaborative)).local_rule
    region.counties.append(LocalRuleCounty(state="FL", county="Miami-Dade"))
    institutions[0].fiscal_year_start_month = 4
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollupStale)) > 0
    assert_exact(fresh=False)
    result = runner.invoke(args=["impact", "refresh"])
    assert result.exit_code == 0, result.output
    assert_exact()


def test_flask_impact_check_finds_a_tampered_cell_and_refresh_full_repairs_it(ledger, runner):
    assert runner.invoke(args=["impact", "check"]).exit_code == 0
    db.session.execute(sa.text("UPDATE impact_rollups SET local_cents = local_cents + 1 "
                               "WHERE month = (SELECT MIN(month) FROM impact_rollups)"))
    result = runner.invoke(args=["impact", "check"])
    assert result.exit_code == 1
    assert "0 difference(s)" not in result.output
    assert runner.invoke(args=["impact", "refresh", "--full"]).exit_code == 0
    assert runner.invoke(args=["impact", "check"]).exit_code == 0
    assert_exact()


def test_report_command_prints_the_same_figures_from_rollups_and_from_lines(ledger, runner):
    rollup_out = runner.invoke(args=["impact", "report", "--period", "FY2025", "--format", "csv"])
    raw_out = runner.invoke(args=["impact", "report", "--period", "FY2025", "--format", "csv", "--source", "raw"])
    assert rollup_out.exit_code == raw_out.exit_code == 0
    assert rollup_out.output == raw_out.output


def test_unverified_changes_to_a_certificate_outside_claims_mark_nothing(ledger):
    _institutions, vendors = ledger
    cert = certify(vendors[5], "DBE", date(2024, 1, 1), date(2026, 1, 1), status="rejected")
    db.session.commit()
    cert.agency = "Another agency"
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollupStale)) == 0
    assert isinstance(cert, Certification)


def test_a_period_asked_for_twice_is_counted_once(ledger):
    once = [report_to_json(r) for r in compute_reports(["FY2025"], source="raw")]
    twice = [report_to_json(r) for r in compute_reports(["FY2025", "FY2025"], source="rollup")]
    assert twice == once * 2
