"""`flask institutions ...` and `flask collaborative ...`: good arguments work, bad ones exit 1 and change nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.institutions import services
from marketplace.institutions.models import Institution, SpendCategory

ADD_BROWARD = ["institutions", "add", "broward-health", "--name", "Broward Health", "--sector", "health",
               "--timezone", "America/New_York", "--fiscal-year-start", "7"]


def event_count(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def institution(slug: str) -> Institution | None:
    return db.session.scalar(sa.select(Institution).where(Institution.slug == slug))


def test_institutions_add_creates_then_is_idempotent(runner):
    first = runner.invoke(args=ADD_BROWARD)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created: broward-health")
    second = runner.invoke(args=ADD_BROWARD)
    assert second.exit_code == 0 and second.output.startswith("unchanged:")
    assert event_count("institution.created") == 1
    assert event_count("institution.updated") == 0


def test_institutions_add_with_a_different_value_updates_only_that(runner):
    runner.invoke(args=ADD_BROWARD)
    result = runner.invoke(args=["institutions", "add", "broward-health", "--fiscal-year-start", "10"])
    assert result.exit_code == 0 and result.output.startswith("updated:")
    inst = institution("broward-health")
    assert (inst.name, inst.timezone, inst.fiscal_year_start_month) == ("Broward Health", "America/New_York", 10)


@pytest.mark.parametrize("override, message", [
    (["--sector", "hospital"], "Unknown sector 'hospital'"),
    (["--timezone", "Florida/Miami"], "Unknown time zone 'Florida/Miami'"),
    (["--fiscal-year-start", "13"], "must be 1–12"),
])
def test_institutions_add_refuses_bad_values_and_creates_nothing(runner, override, message):
    result = runner.invoke(args=ADD_BROWARD + override)
    assert result.exit_code == 1
    assert message in result.output
    assert institution("broward-health") is None


def test_institutions_add_new_without_name_is_refused(runner):
    result = runner.invoke(args=["institutions", "add", "nsu", "--sector", "higher_education"])
    assert result.exit_code == 1 and "--name" in result.output


def test_institutions_list_shows_each_institution(runner):
    runner.invoke(args=ADD_BROWARD)
    result = runner.invoke(args=["institutions", "list"])
    assert result.exit_code == 0
    assert "broward-health\tBroward Health\thealth\tAmerica/New_York" in result.output


def test_set_region_accepts_both_county_spellings_and_zips(runner):
    args = ["collaborative", "set-region", "--county", "FL:Broward", "--county", "fl:palm beach county",
            "--zip", "33004"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "region counties: FL:Broward County, FL:Palm Beach County" in result.output
    assert "region extra ZIPs: 33004" in result.output
    again = runner.invoke(args=args)
    assert again.exit_code == 0
    assert event_count("collaborative.region_set") == 1


@pytest.mark.parametrize("args, message", [
    (["--county", "FL:Broward", "--county", "FL:Atlantis"], "Unknown county 'Atlantis' in FL"),
    (["--county", "XX:Broward"], "Unknown state 'XX'"),
    (["--county", "Broward"], "STATE:County"),
    (["--county", "FL:Broward", "--zip", "1234"], "'1234' is not a 5-digit ZIP code"),
    (["--zip", "00000"], "ZIP code 00000 does not exist"),
    ([], "at least one"),
])
def test_set_region_refuses_bad_entries_and_changes_nothing(runner, args, message):
    runner.invoke(args=["collaborative", "set-region", "--county", "FL:Monroe"])
    result = runner.invoke(args=["collaborative", "set-region", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert services.describe_rule(services.get_collaborative().local_rule)["counties"] == ["FL:Monroe County"]


@pytest.mark.parametrize("rule, label", [("strict", "strict"), ("fiscal_year", "fiscal_year"), ("grace:30", "grace_days=30")])
def test_set_expiry_rule(runner, rule, label):
    result = runner.invoke(args=["collaborative", "set-expiry-rule", rule])
    assert result.exit_code == 0
    assert result.output.strip() == f"expiry rule: {label}"
    assert services.get_collaborative().expiry_rule_label == label


@pytest.mark.parametrize("rule", ["grace:-1", "grace:x", "forever"])
def test_set_expiry_rule_refuses_bad_rules(runner, rule):
    runner.invoke(args=["collaborative", "set-expiry-rule", "fiscal_year"])
    result = runner.invoke(args=["collaborative", "set-expiry-rule", rule])
    assert result.exit_code == 1 and "Error:" in result.output
    assert services.get_collaborative().expiry_rule_label == "fiscal_year"


def test_set_categories_enables_exactly_these(runner):
    result = runner.invoke(args=["collaborative", "set-categories", "SBE", "employee_owned"])
    assert result.exit_code == 0
    assert services.get_collaborative().enabled_certification_types == ["SBE", "employee_owned"]
    bad = runner.invoke(args=["collaborative", "set-categories", "SBE", "HUBZone"])
    assert bad.exit_code == 1 and "HUBZone" in bad.output
    assert services.get_collaborative().enabled_certification_types == ["SBE", "employee_owned"]


def test_set_categories_needs_at_least_one_type(runner):
    assert runner.invoke(args=["collaborative", "set-categories"]).exit_code != 0


def test_show_prints_the_settings(runner):
    runner.invoke(args=["collaborative", "set-region", "--county", "FL:Broward"])
    runner.invoke(args=["collaborative", "set-expiry-rule", "grace:15"])
    result = runner.invoke(args=["collaborative", "show"])
    assert result.exit_code == 0
    assert "region counties: FL:Broward County" in result.output
    assert "expiry rule: grace_days=15" in result.output


def test_set_nonaddressable_creates_and_marks_exactly_these(runner):
    runner.invoke(args=ADD_BROWARD)
    first = runner.invoke(args=["institutions", "set-nonaddressable", "broward-health", "Payroll", "Taxes"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["institutions", "set-nonaddressable", "broward-health", "Payroll", "Utilities"])
    assert second.exit_code == 0
    rows = db.session.execute(
        sa.select(SpendCategory.name, SpendCategory.addressable)
        .join(Institution).where(Institution.slug == "broward-health").order_by(SpendCategory.name)
    ).all()
    assert [tuple(r) for r in rows] == [("Payroll", False), ("Taxes", True), ("Utilities", False)]


def test_set_nonaddressable_for_an_unknown_institution_is_refused(runner):
    result = runner.invoke(args=["institutions", "set-nonaddressable", "nowhere", "Payroll"])
    assert result.exit_code == 1 and "nowhere" in result.output


def test_institution_local_rule_override_and_back(runner):
    runner.invoke(args=ADD_BROWARD)
    own = runner.invoke(args=["institutions", "set-local-rule", "broward-health", "--county", "FL:Broward"])
    assert own.exit_code == 0 and "own region: FL:Broward County" in own.output
    bad = runner.invoke(args=["institutions", "set-local-rule", "broward-health", "--county", "FL:Nowhere"])
    assert bad.exit_code == 1
    back = runner.invoke(args=["institutions", "set-local-rule", "broward-health", "--use-collaborative"])
    assert back.exit_code == 0 and "collaborative region" in back.output
    assert institution("broward-health").local_rule_id is None
