"""In a real browser, end to end: a business registers, claims an MBE certification with its
certificate, the backbone verifies it, and an officer finds the business in the vendor directory.

Every page the journey reaches is checked with axe. Only the UI is used: links, buttons, forms.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, follow_nav, log_in, log_out, submit_form, tick
from tests.conftest import PASSWORD
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.browser

LEGAL_NAME = "Okonkwo Building Services LLC"
EMAIL = "ada@okonkwo-building.example.com"
EIN = "36-4812207"
CHICAGO_ZIP = "60601"  # Cook County, Illinois


def _set_region(page, backbone_email: str) -> None:
    """The backbone makes Cook County, Illinois the collaborative's region on the settings page."""
    log_in(page, backbone_email)
    follow_nav(page, "Settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Collaborative settings")
    assert_accessible(page)
    page.get_by_label("Region counties").fill("IL:Cook")
    submit_form(page, "Save settings")
    expect(page.get_by_text("The collaborative's settings were saved.")).to_be_visible()
    assert "Cook" in page.get_by_label("Region counties").input_value()
    assert_accessible(page)
    log_out(page)


def _register_account(page) -> None:
    page.goto("/")
    follow_nav(page, "Register your business")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your business")
    assert_accessible(page)
    page.get_by_label("Business legal name").fill(LEGAL_NAME)
    page.get_by_label("Your name").fill("Ada Okonkwo")
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    submit_form(page, "Register")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_text("Your business is registered and you are logged in.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LEGAL_NAME)
    assert_accessible(page)


def _guided_registration(page) -> None:
    """The five steps of /vendor/register, each saved and checked."""
    page.get_by_role("link", name="Complete your profile").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/vendor/register/identity$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 1 of 5")
    assert_accessible(page)
    page.get_by_label("Legal business name").fill(LEGAL_NAME)
    page.get_by_label("Other name you use (DBA)").fill("Okonkwo Clean")
    page.get_by_label("EIN (federal tax ID)").fill(EIN)
    page.get_by_label("Website").fill("www.okonkwo-building.example.com")
    page.get_by_label("Contact person").fill("Ada Okonkwo")
    page.get_by_label("Contact email").fill(EMAIL)
    page.get_by_label("Contact phone").fill("312-555-0147")
    page.get_by_label("Year the business started").fill("2011")
    submit_form(page, "Save and continue")

    expect(page).to_have_url(re.compile(r"/vendor/register/address$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 2 of 5")
    assert_accessible(page)
    principal = page.locator("form", has=page.locator("input[name=which][value=principal]"))
    principal.get_by_label("Street address").fill("233 South Wacker Drive")
    principal.get_by_label("Suite, unit or floor").fill("Suite 4400")
    principal.get_by_label("City").fill("Chicago")
    principal.get_by_label("State").select_option("IL")
    principal.get_by_label("ZIP code").fill(CHICAGO_ZIP)
    submit_form(page, "Save and continue", principal)

    expect(page).to_have_url(re.compile(r"/vendor/register/naics$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 3 of 5")
    assert_accessible(page)
    search = page.get_by_role("combobox", name="Search NAICS codes by keyword or number")
    search.fill("janitorial")
    option = page.get_by_role("option", name=re.compile(r"^561720 "))
    option.wait_for()
    assert_accessible(page)  # with the listbox open
    option.click()
    assert page.get_by_label("Your NAICS codes").input_value() == "561720"
    page.get_by_label("Main (primary) code").select_option("561720")
    page.get_by_label("What does your business do?").fill(
        "Commercial janitorial and floor care for hospitals, campuses and offices in Cook County. "
        "Night crews, green cleaning products, OSHA-trained staff.")
    submit_form(page, "Save and continue")

    expect(page).to_have_url(re.compile(r"/vendor/register/size$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 4 of 5")
    assert_accessible(page)
    page.get_by_label("How many people work for the business?").fill("38")
    tick(page, "$1 million to $5 million")
    submit_form(page, "Save and continue")

    expect(page).to_have_url(re.compile(r"/vendor/register/review$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 5 of 5")
    assert_accessible(page)
    review = page.locator("main").inner_text()
    for expected in (LEGAL_NAME, EIN, "233 South Wacker Drive", "Cook", "561720", "janitorial"):
        assert expected in review, f"{expected!r} missing from the review page"
    tick(page, "I confirm this information is true and correct.")
    submit_form(page, "Finish registration")
    expect(page.get_by_text("Your registration is complete.")).to_be_visible()
    assert_accessible(page)


def _claim_mbe(page, certificate) -> None:
    """Add an MBE certification with its PDF and ask for verification in the same form."""
    follow_nav(page, "Certifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certifications")
    assert_accessible(page)
    page.get_by_role("link", name="Add a certification").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a certification")
    assert_accessible(page)
    today = datetime.now(UTC).date()
    page.get_by_label("Certification type").select_option("MBE")
    page.get_by_label("Certifying agency").fill("Chicago Minority Supplier Development Council")
    page.get_by_label("Certificate number").fill("CMSDC-2291")
    page.get_by_label("Effective date").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Expiry date").fill((today + timedelta(days=335)).isoformat())
    page.get_by_label("Certificate document").set_input_files(str(certificate))
    tick(page, "Ask the backbone organization to verify it now")
    submit_form(page, "Add certification")
    expect(page.get_by_text("asked the backbone organization to verify it")).to_be_visible()
    row = page.locator("tr", has_text="Chicago Minority Supplier Development Council")
    assert "verification pending" in row.inner_text().lower()  # tags are upper-cased by CSS
    assert_accessible(page)


def _verify_claim(page, backbone_email: str) -> None:
    log_in(page, backbone_email)
    follow_nav(page, "Verify certifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify certifications")
    assert_accessible(page)
    claim = page.locator("section", has=page.get_by_role("heading", name=re.compile(LEGAL_NAME)))
    text = claim.inner_text()
    assert "Chicago Minority Supplier Development Council" in text
    assert "CMSDC-2291" in text
    assert "Download mbe-certificate.pdf" in text  # the document beside the claim
    assert re.search(r"SHA-256 [0-9a-f]{64}", text)
    submit_form(page, re.compile(r"^Verify the MBE certification"), claim)
    expect(page.get_by_text(f"Verified the MBE certification of {LEGAL_NAME}.")).to_be_visible()
    expect(page.get_by_text("No certification is waiting for verification.")).to_be_visible()
    assert_accessible(page)
    log_out(page)


def _find_in_directory(page, officer_email: str) -> None:
    log_in(page, officer_email)
    follow_nav(page, "Vendor directory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vendor directory")
    assert_accessible(page)
    filters = page.get_by_role("form", name="Filter vendors")
    filters.get_by_label("NAICS industry").fill("561720")
    filters.get_by_label(re.compile(r"^Certification$")).select_option("MBE")
    submit_form(page, "Search", filters)
    expect(page).to_have_url(re.compile(r"\?naics=561720&.*type=MBE"))
    assert_accessible(page)
    table = page.get_by_role("table")
    row = table.locator("tbody tr", has_text=LEGAL_NAME)
    assert row.count() == 1
    text = row.inner_text()
    assert "561720" in text
    tags = row.locator("td[data-label=Certifications]").text_content().split()  # as written, not upper-cased
    assert tags == ["MBE"]  # verified: an unverified claim would read "MBE (pending)"
    assert "Cook County, IL" in text
    assert row.locator("td[data-label=Local]").inner_text().strip() == "Yes"  # the region set by the backbone
    log_out(page)


def test_vendor_registers_is_verified_as_mbe_and_is_found_in_the_directory(page, accounts, tmp_path):
    certificate = tmp_path / "mbe-certificate.pdf"
    certificate.write_bytes(pdf_bytes("Minority Business Enterprise certificate CMSDC-2291"))

    _set_region(page, accounts["backbone"])
    _register_account(page)
    _guided_registration(page)
    _claim_mbe(page, certificate)
    log_out(page)
    _verify_claim(page, accounts["backbone"])
    _find_in_directory(page, accounts["officer"])
