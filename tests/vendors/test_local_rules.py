"""The local rule engine on dated address history, and local status per institution."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace import db
from marketplace.institutions.models import LocalRule, LocalRuleCounty, LocalRuleZip
from marketplace.vendors.local import is_local, principal_address_on, rule_for
from marketplace.vendors.profile_status import local_statuses


def test_first_address_without_start_date_counts_for_all_earlier_dates(make_vendor, add_address, region):
    vendor = make_vendor()
    add_address(vendor, "33301", "Broward County", effective_to=date(2022, 6, 30))
    add_address(vendor, "33130", "Miami-Dade County", effective_from=date(2022, 7, 1))
    assert is_local(vendor, region, date(1999, 1, 1)).is_local
    assert is_local(vendor, region, date(2022, 6, 30)).is_local
    assert not is_local(vendor, region, date(2022, 7, 1)).is_local


def test_move_across_the_region_boundary_flips_on_the_exact_day(make_vendor, add_address, region):
    vendor = make_vendor()
    add_address(vendor, "33130", "Miami-Dade County", effective_from=date(2019, 3, 1), effective_to=date(2024, 12, 31))
    add_address(vendor, "33301", "Broward County", effective_from=date(2025, 1, 1))
    assert not is_local(vendor, region, date(2024, 12, 31)).is_local
    assert is_local(vendor, region, date(2025, 1, 1)).is_local


def test_dates_before_the_first_dated_address_have_no_principal_place(make_vendor, add_address, region):
    vendor = make_vendor()
    add_address(vendor, "33301", "Broward County", effective_from=date(2019, 3, 1))
    status = is_local(vendor, region, date(2019, 2, 28))
    assert not status.is_local and status.reason == "no principal place of business on record for 2019-02-28"
    assert is_local(vendor, region, date(2019, 3, 1)).reason == (
        "principal place of business in Broward County, FL since 2019-03-01")


def test_other_offices_never_make_a_vendor_local(make_vendor, add_address, region):
    vendor = make_vendor()
    add_address(vendor, "33130", "Miami-Dade County")
    add_address(vendor, "33301", "Broward County", kind="office")
    assert not is_local(vendor, region, date(2026, 1, 1)).is_local


def test_county_names_match_with_or_without_the_word_county(make_vendor, add_address, collaborative):
    rule = collaborative.local_rule
    rule.counties.append(LocalRuleCounty(state="fl", county="broward"))
    db.session.flush()
    vendor = make_vendor()
    add_address(vendor, "33301", "Broward County")
    assert is_local(vendor, rule, date(2026, 1, 1)).is_local


def test_same_county_name_in_another_state_is_not_local(make_vendor, add_address, region):
    vendor = make_vendor()
    # Broward exists only in FL, so use a made-up row in another state with the same county name.
    add_address(vendor, "30303", "Broward County", state="GA")
    assert not is_local(vendor, region, date(2026, 1, 1)).is_local


def test_extra_zip_counts_as_local_whatever_its_county(make_vendor, add_address, region):
    region.extra_zips.append(LocalRuleZip(zip="33130"))
    db.session.flush()
    vendor = make_vendor()
    add_address(vendor, "33130", "Miami-Dade County")
    status = is_local(vendor, region, date(2026, 1, 1))
    assert status.is_local and "extra ZIPs" in status.reason


def test_institution_override_rule_replaces_the_collaborative_region(make_vendor, add_address, region,
                                                                     make_institution):
    own = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")])
    hospital = make_institution(name="Jackson Health", local_rule=own)
    college = make_institution(name="Broward College")
    vendor = make_vendor()
    add_address(vendor, "33130", "Miami-Dade County")
    assert rule_for(hospital) is own and rule_for(college) is region
    answers = {a.institution.name: a for a in local_statuses(vendor, date(2026, 1, 1))}
    assert answers["Jackson Health"].status.is_local
    assert answers["Jackson Health"].sentence == (
        "Local for Jackson Health: principal place of business in Miami-Dade County, FL")
    assert not answers["Broward College"].status.is_local
    assert answers["Broward College"].rule is region


def test_local_status_without_a_defined_region_says_so(make_vendor, add_address, make_institution):
    make_institution(name="Jackson Health")
    vendor = make_vendor()
    add_address(vendor)
    [answer] = local_statuses(vendor, date(2026, 1, 1))
    assert not answer.status.is_local  # the collaborative's region has no counties yet
    assert "outside Region" in answer.sentence


def test_principal_address_on_picks_the_latest_started_when_ranges_overlap(make_vendor, add_address):
    vendor = make_vendor()
    add_address(vendor, "33130", "Miami-Dade County")
    newer = add_address(vendor, "33301", "Broward County", effective_from=date(2025, 1, 1))
    assert principal_address_on(vendor, date(2025, 6, 1)) is newer


def _count_queries(app, action) -> int:
    engine = db.session.get_bind()
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_local_status_for_all_institutions_takes_the_same_queries_for_2_or_8_institutions(
        app, make_vendor, add_address, region, make_institution):
    from marketplace.vendors.models import Vendor

    vendor = make_vendor()
    add_address(vendor)
    vendor_id = vendor.id

    def add_institutions(count: int) -> None:
        for n in range(count):
            own = LocalRule(name=f"Own {n}", counties=[LocalRuleCounty(state="FL", county="Broward County")],
                            extra_zips=[LocalRuleZip(zip="33130")]) if n % 2 else None
            make_institution(local_rule=own)
        db.session.flush()
        db.session.expire_all()

    def run() -> None:
        answers = local_statuses(db.session.get(Vendor, vendor_id), date(2026, 1, 1))
        assert answers and all(a.status.is_local for a in answers)

    add_institutions(2)
    few = _count_queries(app, run)
    add_institutions(6)
    many = _count_queries(app, run)
    assert few == many
