"""The vendor directory: each filter alone and combined, local by SQL, sorting and paging."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from marketplace import db
from marketplace.institutions.models import LocalRule, LocalRuleCounty, LocalRuleZip
from marketplace.vendors import directory
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

NOW = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)
LAST_YEAR, NEXT_YEAR = date(2025, 3, 15), date(2027, 3, 15)
# 33301 Fort Lauderdale (Broward), 33130 Miami (Miami-Dade), 33401 West Palm Beach (Palm Beach).
PLACES = {"33301": ("FL", "Broward County"), "33130": ("FL", "Miami-Dade County"),
          "33401": ("FL", "Palm Beach County"), "30303": ("GA", "Fulton County")}


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def vendor(make_vendor) -> Callable[..., Vendor]:
    """Add a vendor with a principal address, NAICS codes and certifications (type, status[, effective, expires])."""
    counter = iter(range(1, 10_000))

    def add(name: str, *, zip_code: str = "33301", naics: tuple[str, ...] = (), certs=(), dba: str | None = None,
            county: str | None = None, created_at: datetime | None = None) -> Vendor:
        state, default_county = PLACES[zip_code]
        n = next(counter)
        v = make_vendor(legal_name=name, normalized_name=name.lower(), dba=dba,
                        created_at=created_at or NOW - timedelta(days=1000 - n))
        v.addresses.append(VendorAddress(kind="principal", line1="1 Main St", city="Town", state=state,
                                         zip=zip_code, county=county or default_county))
        for i, code in enumerate(naics):
            v.naics_codes.append(VendorNaics(code=code, is_primary=i == 0))
        for cert in certs:
            cert_type, status, effective, expires = (*cert, LAST_YEAR, NEXT_YEAR)[:4]
            db.session.add(Certification(vendor=v, type=cert_type, agency="State", status=status,
                                         effective_on=effective, expires_on=expires, created_at=NOW))
        db.session.flush()
        return v

    return add


def names(officer_institution=None, **args) -> list[str]:
    query = directory.parse_filters(MultiDict(args), officer_institution=officer_institution)
    return [row.vendor.legal_name for row in directory.search(query).rows]


def test_naics_filter_takes_an_exact_code(vendor, collaborative):
    vendor("Clean Co", naics=("561720",))
    vendor("Pipes Co", naics=("238220", "561720"))
    vendor("Lawn Co", naics=("561730",))
    assert names(naics="561720") == ["Clean Co", "Pipes Co"]


def test_naics_filter_takes_a_prefix(vendor, collaborative):
    vendor("Clean Co", naics=("561720",))
    vendor("Lawn Co", naics=("561730",))
    vendor("Pipes Co", naics=("238220",))
    assert names(naics="5617") == ["Clean Co", "Lawn Co"]


def test_naics_filter_resolves_title_words_through_the_catalog(vendor, collaborative):
    vendor("Clean Co", naics=("561720",))
    vendor("Lawn Co", naics=("561730",))
    assert names(naics="janitorial") == ["Clean Co"]
    assert names(naics="landscaping") == ["Lawn Co"]


def test_only_verified_certifications_count_unless_claims_are_included(vendor, collaborative):
    vendor("Verified Co", certs=[("MBE", "verified")])
    vendor("Claimed Co", certs=[("MBE", "self_attested")])
    vendor("Waiting Co", certs=[("MBE", "pending")])
    vendor("Rejected Co", certs=[("MBE", "rejected")])
    vendor("Other Type Co", certs=[("WBE", "verified")])
    assert names(type="MBE") == ["Verified Co"]
    assert names(type="MBE", unverified="1") == ["Claimed Co", "Verified Co", "Waiting Co"]
    assert names(type="any") == ["Other Type Co", "Verified Co"]


def test_expired_and_not_yet_effective_certifications_do_not_count(vendor, collaborative):
    vendor("Expired Co", certs=[("SBE", "verified", date(2024, 1, 1), TODAY - timedelta(days=1))])
    vendor("Future Co", certs=[("SBE", "verified", TODAY + timedelta(days=1), NEXT_YEAR)])
    vendor("Last Day Co", certs=[("SBE", "verified", date(2024, 1, 1), TODAY)])
    vendor("Expired Claim Co", certs=[("SBE", "pending", date(2024, 1, 1), TODAY - timedelta(days=1))])
    assert names(type="SBE") == ["Last Day Co"]
    assert names(type="SBE", unverified="1") == ["Last Day Co"]


def test_local_for_an_officer_uses_the_institutions_own_rule(vendor, collaborative, make_institution, make_user):
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    own = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")])
    hospital = make_institution(local_rule=own)
    vendor("Broward Co", zip_code="33301")
    vendor("Miami Co", zip_code="33130")
    assert names(local="1") == ["Broward Co"]  # the collaborative's region
    assert names(hospital, local="1") == ["Miami Co"]
    rows = directory.search(directory.parse_filters(MultiDict(), officer_institution=hospital)).rows
    assert {r.vendor.legal_name: r.is_local for r in rows} == {"Broward Co": False, "Miami Co": True}


def test_local_tolerates_a_missing_county_suffix_and_counts_extra_zips(vendor, collaborative):
    rule = collaborative.local_rule
    rule.counties.append(LocalRuleCounty(state="fl", county="broward"))
    rule.extra_zips.append(LocalRuleZip(zip="33401"))
    vendor("Broward Co", zip_code="33301")
    vendor("Palm Beach Co", zip_code="33401")
    vendor("Miami Co", zip_code="33130")
    vendor("Suffixless Co", zip_code="33301", county="BROWARD")
    assert names(local="1") == ["Broward Co", "Palm Beach Co", "Suffixless Co"]


def test_local_uses_the_principal_address_in_force_today(vendor, collaborative):
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    moved_out = vendor("Moved Out Co", zip_code="33301")
    moved_out.addresses[0].effective_to = TODAY - timedelta(days=1)
    moved_out.addresses.append(VendorAddress(kind="principal", line1="2 Bay St", city="Miami", state="FL",
                                             zip="33130", county="Miami-Dade County", effective_from=TODAY))
    moved_in = vendor("Moved In Co", zip_code="33130")
    moved_in.addresses[0].effective_to = TODAY - timedelta(days=1)
    moved_in.addresses.append(VendorAddress(kind="principal", line1="3 Las Olas", city="Fort Lauderdale",
                                            state="FL", zip="33301", county="Broward County", effective_from=TODAY))
    office_only = vendor("Office Co", zip_code="33130")
    office_only.addresses.append(VendorAddress(kind="office", line1="4 A St", city="Fort Lauderdale", state="FL",
                                               zip="33301", county="Broward County"))
    db.session.flush()
    assert names(local="1") == ["Moved In Co"]
    assert names(county="FL:Miami-Dade") == ["Moved Out Co", "Office Co"]


def test_backbone_may_choose_the_institution_whose_rule_decides_local(vendor, collaborative, make_institution):
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    own = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")])
    hospital = make_institution(local_rule=own)
    plain = make_institution()
    vendor("Broward Co", zip_code="33301")
    vendor("Miami Co", zip_code="33130")
    assert names(local="1", institution=str(hospital.id)) == ["Miami Co"]
    assert names(local="1", institution=str(plain.id)) == ["Broward Co"]


def test_county_filter_matches_the_current_principal_address(vendor, collaborative):
    vendor("Broward Co", zip_code="33301")
    vendor("Miami Co", zip_code="33130")
    vendor("Atlanta Co", zip_code="30303")
    assert names(county="FL:Broward") == ["Broward Co"]
    assert names(county="fl:miami-dade county") == ["Miami Co"]


def test_keyword_matches_legal_name_and_dba(vendor, collaborative):
    vendor("Rivera Plumbing LLC", dba="Rivera Pipes")
    vendor("Sunshine Cleaning Inc", dba="Spotless")
    vendor("100% Pure Co")
    assert names(q="pipes") == ["Rivera Plumbing LLC"]
    assert names(q="SUNSHINE") == ["Sunshine Cleaning Inc"]
    assert names(q="100%") == ["100% Pure Co"]
    assert names(q="%") == ["100% Pure Co"]


def test_filters_combine(vendor, collaborative):
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    vendor("Match Cleaning", zip_code="33301", naics=("561720",), certs=[("WBE", "verified")])
    vendor("Not Local Cleaning", zip_code="33130", naics=("561720",), certs=[("WBE", "verified")])
    vendor("Unverified Cleaning", zip_code="33301", naics=("561720",), certs=[("WBE", "pending")])
    vendor("Match Lawns", zip_code="33301", naics=("561730",), certs=[("WBE", "verified")])
    vendor("Other Cleaning", zip_code="33301", naics=("561720",), certs=[("WBE", "verified")])
    args = dict(naics="janitorial", type="WBE", local="1", county="FL:Broward County")
    assert names(**args) == ["Match Cleaning", "Other Cleaning"]
    assert names(**args, q="match") == ["Match Cleaning"]
    assert names(**args, unverified="1") == ["Match Cleaning", "Other Cleaning", "Unverified Cleaning"]


def test_sorts_by_name_newest_and_county(vendor, collaborative):
    vendor("beta Co", zip_code="33130", created_at=NOW - timedelta(days=3))
    vendor("Alpha Co", zip_code="33401", created_at=NOW - timedelta(days=1))
    vendor("Gamma Co", zip_code="33301", created_at=NOW - timedelta(days=2))
    assert names() == ["Alpha Co", "beta Co", "Gamma Co"]
    assert names(sort="newest") == ["Alpha Co", "Gamma Co", "beta Co"]
    assert names(sort="county") == ["Gamma Co", "beta Co", "Alpha Co"]  # Broward, Miami-Dade, Palm Beach


def test_pages_hold_25_vendors_and_a_page_past_the_end_shows_the_last(vendor, collaborative):
    for i in range(30):
        vendor(f"Vendor {i:02d}")
    query = directory.parse_filters(MultiDict({"page": "2"}))
    page = directory.search(query)
    assert (page.total, page.pages, page.page) == (30, 2, 2)
    assert [r.vendor.legal_name for r in page.rows] == [f"Vendor {i:02d}" for i in range(25, 30)]
    assert len(directory.search(directory.parse_filters(MultiDict())).rows) == 25
    assert directory.search(directory.parse_filters(MultiDict({"page": "9"}))).page == 2


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(app, vendor, collaborative):
    def queries_for_page() -> int:
        statements: list[str] = []
        connection = db.session.connection()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(connection, "before_cursor_execute", listener)
        try:
            directory.search(directory.parse_filters(MultiDict({"type": "any", "unverified": "1"})))
        finally:
            sa.event.remove(connection, "before_cursor_execute", listener)
        # Settings lookups (collaborative, region) depend on the identity map, not on the page size.
        return len([s for s in statements if "vendor" in s or "certification" in s])

    for i in range(3):
        vendor(f"Few {i}", naics=("561720", "561730"), certs=[("SBE", "verified"), ("MBE", "pending")])
    queries_for_page()  # warm up: the first call also loads the region rule
    few = queries_for_page()
    for i in range(25):
        vendor(f"Many {i}", naics=("561720", "561730"), certs=[("SBE", "verified"), ("MBE", "pending")])
    db.session.expire_all()
    assert queries_for_page() == few


def test_parse_filters_reads_every_value(collaborative):
    query = directory.parse_filters(MultiDict({"naics": "5617", "type": "MBE", "unverified": "1", "local": "1",
                                               "county": "FL:broward", "q": "  acme  ", "sort": "county",
                                               "page": "3"}))
    assert query.naics.prefix == "5617" and query.types == ("MBE",) and query.include_unverified
    assert query.county == ("FL", "Broward County") and query.keyword == "acme"
    assert (query.sort, query.page, query.local_only, query.today) == ("county", 3, True, TODAY)


def test_a_disabled_certification_type_is_refused(collaborative):
    collaborative.enabled_certification_types = ["SBE", "employee_owned"]
    db.session.flush()
    with pytest.raises(directory.FilterError) as refused:
        directory.parse_filters(MultiDict({"type": "MBE"}))
    assert "type" in refused.value.errors

