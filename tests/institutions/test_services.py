"""The collaborative, its region and its institutions, through the service functions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import DomainError
from marketplace.institutions import region, services
from marketplace.institutions.models import Collaborative, Institution, LocalRule


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_get_collaborative_creates_one_row_with_an_empty_region_named_from_config(app):
    app.config["COLLABORATIVE_NAME"] = "Broward Anchor Alliance"
    first = services.get_collaborative()
    second = services.get_collaborative()
    assert first.id == second.id
    assert first.name == "Broward Anchor Alliance"
    assert first.local_rule.counties == [] and first.local_rule.extra_zips == []
    assert first.expiry_rule_label == "strict"
    assert db.session.scalar(sa.select(sa.func.count(Collaborative.id))) == 1
    assert actions().count("collaborative.created") == 1


def test_get_collaborative_defaults_to_anchor_collaborative(app):
    app.config.pop("COLLABORATIVE_NAME", None)
    assert services.get_collaborative().name == "Anchor Collaborative"


@pytest.mark.parametrize("text", ["FL:Broward", "FL:Broward County", "fl:broward county", " Fl : BROWARD "])
def test_county_is_read_with_or_without_county_suffix_in_any_case(text):
    assert region.parse_county(text) == ("FL", "Broward County")


def test_county_without_suffix_prefers_the_county_over_a_same_named_city():
    assert region.parse_county("VA:Fairfax") == ("VA", "Fairfax County")
    assert region.parse_county("VA:Fairfax City") == ("VA", "Fairfax City")


@pytest.mark.parametrize("text, named", [("ZZ:Broward", "'ZZ'"), ("FL:Atlantis", "'Atlantis'"), ("Broward", "STATE:County")])
def test_unknown_state_or_county_is_refused_by_name(text, named):
    with pytest.raises(DomainError) as error:
        region.parse_county(text)
    assert named in error.value.message


def test_county_for_zip_answers_state_and_county_or_none():
    assert region.county_for_zip("33301") == ("FL", "Broward County")
    assert region.county_for_zip("00000") is None
    assert region.county_for_zip("") is None


@pytest.mark.parametrize("text", ["3330", "33301-1234x", "abcde", "00000"])
def test_extra_zip_must_be_a_real_five_digit_zip(text):
    with pytest.raises(DomainError):
        region.parse_zip(text)


def test_set_region_stores_canonical_counties_and_is_idempotent(app):
    rule = services.get_collaborative().local_rule
    services.set_region(rule, ["FL:Broward", "fl:palm beach county", "FL:Broward County"], ["33004"])
    assert services.describe_rule(rule) == {"counties": ["FL:Broward County", "FL:Palm Beach County"], "zips": ["33004"]}
    assert actions().count("collaborative.region_set") == 1
    services.set_region(rule, ["FL:Palm Beach", "FL:Broward"], ["33004"])
    assert actions().count("collaborative.region_set") == 1


def test_set_region_replaces_entries_and_may_keep_some(app):
    rule = services.get_collaborative().local_rule
    services.set_region(rule, ["FL:Broward", "FL:Miami-Dade"], ["33004", "33009"])
    services.set_region(rule, ["FL:Broward", "FL:Monroe"], ["33009"])
    assert services.describe_rule(rule) == {"counties": ["FL:Broward County", "FL:Monroe County"], "zips": ["33009"]}
    assert actions().count("collaborative.region_set") == 2


def test_set_region_with_a_bad_entry_names_each_and_changes_nothing(app):
    rule = services.get_collaborative().local_rule
    services.set_region(rule, ["FL:Broward"], [])
    with pytest.raises(DomainError) as error:
        services.set_region(rule, ["FL:Broward", "FL:Atlantis", "QQ:Anything"], ["1234"])
    assert "Atlantis" in error.value.message and "QQ" in error.value.message and "1234" in error.value.message
    assert set(error.value.errors) == {"counties", "zips"}
    assert services.describe_rule(rule)["counties"] == ["FL:Broward County"]


@pytest.mark.parametrize("text, label", [
    ("strict", "strict"), ("fiscal_year", "fiscal_year"), ("grace:30", "grace_days=30"),
    ("grace_days=0", "grace_days=0"), ("GRACE:7", "grace_days=7"),
])
def test_expiry_rule_is_parsed(app, text, label):
    assert services.set_expiry_rule(text).expiry_rule_label == label


@pytest.mark.parametrize("text", ["grace:-1", "grace:", "grace:1.5", "lenient", "grace:99999"])
def test_bad_expiry_rule_is_refused(app, text):
    with pytest.raises(DomainError):
        services.set_expiry_rule(text)
    assert services.get_collaborative().expiry_rule == "strict"


def test_set_expiry_rule_twice_records_one_event(app):
    services.set_expiry_rule("grace:10")
    services.set_expiry_rule("grace:10")
    assert actions().count("collaborative.expiry_rule_set") == 1


def test_categories_are_validated_and_kept_in_canonical_order(app):
    collab = services.set_categories(["employee_owned", "sbe", "SBE"])
    assert collab.enabled_certification_types == ["SBE", "employee_owned"]
    with pytest.raises(DomainError) as error:
        services.set_categories(["SBE", "HUBZone"])
    assert "HUBZone" in error.value.message
    assert services.get_collaborative().enabled_certification_types == ["SBE", "employee_owned"]


def test_add_institution_is_idempotent_and_updates_on_different_values(app):
    first = services.add_institution("broward-health", "Broward Health", "health", "America/New_York", 7)
    again = services.add_institution("broward-health", "Broward Health", "health", "America/New_York", 7)
    assert again.id == first.id
    assert actions().count("institution.created") == 1
    assert actions().count("institution.updated") == 0
    changed = services.add_institution("broward-health", "Broward Health System", "health", "America/Chicago", 10)
    assert changed.id == first.id
    assert (changed.name, changed.timezone, changed.fiscal_year_start_month) == (
        "Broward Health System", "America/Chicago", 10)
    assert actions().count("institution.updated") == 1


@pytest.mark.parametrize("field, kwargs", [
    ("sector", dict(sector="hospital")),
    ("timezone", dict(timezone="Mars/Olympus_Mons")),
    ("fiscal_year_start_month", dict(fiscal_year_start_month=13)),
    ("fiscal_year_start_month", dict(fiscal_year_start_month=0)),
    ("slug", dict(slug="Bad Slug!")),
    ("name", dict(name="   ")),
])
def test_add_institution_refuses_bad_values_by_field(app, field, kwargs):
    values = dict(slug="nsu", name="Nova Southeastern", sector="higher_education",
                  timezone="America/New_York", fiscal_year_start_month=7)
    values.update(kwargs)
    with pytest.raises(DomainError) as error:
        services.add_institution(**values)
    assert field in error.value.errors
    assert db.session.scalar(sa.select(Institution).where(Institution.slug == "nsu")) is None


def test_update_institution_refuses_a_slug_used_by_another(app, make_institution):
    make_institution(slug="taken")
    other = make_institution(slug="mine")
    with pytest.raises(DomainError) as error:
        services.update_institution(other, slug="taken")
    assert "slug" in error.value.errors


def test_institution_own_local_rule_then_back_to_the_collaborative(app, make_institution):
    inst = make_institution()
    rule = services.set_institution_local_rule(inst, ["FL:Palm Beach"], ["33301"])
    assert inst.local_rule is rule
    assert services.describe_rule(rule) == {"counties": ["FL:Palm Beach County"], "zips": ["33301"]}
    assert "institution.region_set" in actions()
    services.set_institution_local_rule(inst, None)
    assert inst.local_rule is None
    assert db.session.get(LocalRule, rule.id) is None
    assert "institution.local_rule_cleared" in actions()


def test_institution_own_local_rule_must_not_be_empty(app, make_institution):
    inst = make_institution()
    with pytest.raises(DomainError):
        services.set_institution_local_rule(inst, [], [])
    assert inst.local_rule is None


def test_set_nonaddressable_marks_exactly_these_and_creates_missing(app, make_institution):
    inst = make_institution()
    services.set_nonaddressable(inst, ["Payroll", "Taxes"])
    services.set_nonaddressable(inst, ["payroll", "Utilities"])
    state = {c.name: c.addressable for c in inst.spend_categories}
    assert state == {"Payroll": False, "Taxes": True, "Utilities": False}
    events = actions().count("institution.nonaddressable_set")
    services.set_nonaddressable(inst, ["Utilities", "Payroll"])
    assert actions().count("institution.nonaddressable_set") == events
