"""The directory pages: who may see them, what a row shows, bad filters, and the CSV export."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from marketplace import db
from marketplace.institutions.models import LocalRule, LocalRuleCounty
from marketplace.vendors.directory_views import EXPORT_COLUMNS
from marketplace.vendors.models import Certification, VendorAddress, VendorNaics

NOW = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def listed(make_vendor, collaborative):
    """A verified, local janitorial vendor with full contact details and a pending claim."""
    collaborative.local_rule.counties.append(LocalRuleCounty(state="FL", county="Broward County"))
    vendor = make_vendor(legal_name="Sunshine Cleaning LLC", normalized_name="sunshine cleaning", dba="Spotless",
                         ein="12-3456789", website="https://spotless.example.com", contact_name="Ana Rivera",
                         contact_email="office@spotless.example.com", contact_phone="305-555-0123")
    vendor.addresses.append(VendorAddress(kind="principal", line1="100 Las Olas Blvd", city="Fort Lauderdale",
                                          state="FL", zip="33301", county="Broward County"))
    vendor.naics_codes.extend([VendorNaics(code="561720", is_primary=True), VendorNaics(code="238220")])
    for cert_type, status in (("WBE", "verified"), ("MBE", "pending")):
        db.session.add(Certification(vendor=vendor, type=cert_type, agency="State", status=status,
                                     effective_on=date(2025, 1, 1), expires_on=date(2027, 1, 1), created_at=NOW))
    db.session.flush()
    return vendor


@pytest.fixture
def officer(make_user, make_institution, login, collaborative):
    user = make_user("officer", institution_id=make_institution(name="Broward Health").id)
    login(user)
    return user


def test_vendors_are_refused_the_directory_and_its_export(client, make_user, login):
    login(make_user("vendor"))
    assert client.get("/directory").status_code == 403
    assert client.get("/directory.csv").status_code == 403


def test_a_row_shows_names_county_naics_verified_badges_and_local_for_the_officer(client, officer, listed):
    page = client.get("/directory").get_data(as_text=True)
    assert "Sunshine Cleaning LLC" in page and "Doing business as Spotless" in page
    assert "Broward County, FL" in page
    assert page.index("561720 Janitorial Services") < page.index("238220 Plumbing")
    assert ">WBE</span>" in page and "MBE" not in page.split("<tbody>")[1]
    assert "Local for Broward Health" in page
    assert f'href="/vendors/{listed.id}"' in page
    body = page.split("<tbody>")[1]
    assert ">Yes</td>" in body


def test_including_claims_shows_pending_badges(client, officer, listed):
    page = client.get("/directory?type=any&unverified=1").get_data(as_text=True)
    assert "MBE (pending)" in page


def test_local_column_follows_the_officers_own_rule(client, make_user, make_institution, login, listed):
    own = LocalRule(name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")])
    login(make_user("officer", institution_id=make_institution(name="Jackson", local_rule=own).id))
    assert client.get("/directory?local=1").get_data(as_text=True).count("Sunshine Cleaning LLC") == 0
    body = client.get("/directory").get_data(as_text=True).split("<tbody>")[1]
    assert ">No</td>" in body


@pytest.mark.parametrize("query, message", [
    ("naics=999999", "999999 is not a NAICS 2022 industry code."),
    ("naics=99", "No NAICS 2022 industry code starts with 99."),
    ("naics=zzzqqq", "No NAICS 2022 industry matches"),
    ("type=XYZ", "is not a certification type this collaborative uses."),
    ("page=-1", "is not a page number"),
    ("page=abc", "is not a page number"),
    ("page=0", "is not a page number"),
    ("county=FL:Nowhere", "Unknown county"),
    ("county=Broward", "Write a county as STATE:County"),
    ("sort=price", "Sort by name, newest or county."),
    ("institution=abc", "Choose an institution from the list"),
])
def test_bad_filters_are_explained_not_crashed(client, make_user, login, collaborative, query, message):
    login(make_user("backbone"))
    response = client.get(f"/directory?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "Some filters could not be used" in response.get_data(as_text=True)
    export = client.get(f"/directory.csv?{query}")
    assert export.status_code == 400 and message in export.get_data(as_text=True)


def test_every_bad_filter_is_listed_at_once(client, officer):
    page = client.get("/directory?naics=999999&page=abc&type=XYZ").get_data(as_text=True)
    assert "999999" in page and "abc" in page and "XYZ" in page


def test_pagination_links_keep_the_filters(client, officer, make_vendor):
    for i in range(27):
        vendor = make_vendor(legal_name=f"Clean {i:02d}", normalized_name=f"clean {i:02d}")
        vendor.naics_codes.append(VendorNaics(code="561720", is_primary=True))
    db.session.flush()
    page = client.get("/directory?naics=5617&sort=name").get_data(as_text=True)
    assert "27 vendors" in page and "page 1 of 2" in page
    assert "/directory?page=2&amp;naics=5617&amp;sort=name" in page
    second = client.get("/directory?page=2&naics=5617&sort=name").get_data(as_text=True)
    assert "Clean 26" in second and "Clean 00" not in second


def test_csv_export_holds_every_page_and_only_directory_details(client, officer, listed, make_vendor):
    for i in range(30):
        make_vendor(legal_name=f"Extra {i:02d}", normalized_name=f"extra {i:02d}")
    response = client.get("/directory.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 31
    assert tuple(rows[0]) == EXPORT_COLUMNS
    sunshine = next(r for r in rows if r["legal_name"] == "Sunshine Cleaning LLC")
    assert sunshine == {
        "vendor_id": str(listed.id), "legal_name": "Sunshine Cleaning LLC", "dba": "Spotless",
        "website": "https://spotless.example.com", "business_email": "office@spotless.example.com",
        "business_phone": "305-555-0123", "city": "Fort Lauderdale", "state": "FL", "county": "Broward County",
        "local": "yes", "local_rule": "Region", "primary_naics": "561720", "naics_codes": "561720;238220",
        "certifications": "WBE:verified:2027-01-01", "profile_url": f"http://127.0.0.1:5000/vendors/{listed.id}",
    }
    text = response.get_data(as_text=True)
    assert "Ana Rivera" not in text and "Las Olas" not in text and "12-3456789" not in text


def test_csv_export_follows_the_filters(client, officer, listed, make_vendor):
    make_vendor(legal_name="Other Co", normalized_name="other")
    rows = list(csv.DictReader(io.StringIO(client.get("/directory.csv?naics=janitorial&type=WBE").get_data(
        as_text=True))))
    assert [r["legal_name"] for r in rows] == ["Sunshine Cleaning LLC"]


def test_csv_export_defuses_spreadsheet_formulas(client, officer, make_vendor):
    make_vendor(legal_name="=HYPERLINK(\"http://evil\")", normalized_name="hyperlink")
    rows = list(csv.DictReader(io.StringIO(client.get("/directory.csv").get_data(as_text=True))))
    assert rows[0]["legal_name"].startswith("'=")


def test_backbone_sees_the_directory_with_an_institution_choice(client, make_user, login, make_institution, listed):
    make_institution(name="City of Hollywood")
    login(make_user("backbone"))
    page = client.get("/directory").get_data(as_text=True)
    assert "Sunshine Cleaning LLC" in page and "City of Hollywood" in page
