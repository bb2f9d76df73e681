"""In a real browser, end to end: an officer posts an opportunity, a vendor asks a question and
bids, the officer answers and issues an addendum, the vendor acknowledges it, and after the
closing time the officer opens the sealed bids and reads the tabulation.

The server runs in this process, so its clock is frozen (`marketplace.clock.freeze`) and moved
past the closing time; every page the journey reaches is checked with axe.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from marketplace import clock
from tests.browser.conftest import assert_accessible, follow_nav, log_in, log_out, submit_form
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")  # the zone of the `accounts` institution
START = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)  # 9:00 AM CST, a Tuesday
FIRST_CLOSING = (date(2027, 3, 4), time(14, 0))  # 53 hours later: an addendum must extend it
EXTENDED_CLOSING = (date(2027, 3, 16), time(14, 0))  # after the switch to CDT on March 14
TITLE = "Janitorial services for the Riverbend Health main campus"
VENDOR_NAME = "Delgado Facility Services LLC"
AMOUNT = "48250.00"
QUESTION = "Does the price include floor stripping and waxing twice a year?"
ANSWER = "Yes: quote stripping and waxing twice a year as part of the base price."
ADDENDUM_NOTE = "Adds the east wing (12,000 sq ft) to the scope; closing moved to March 16."


def _utc(local: tuple[date, time]) -> datetime:
    return datetime.combine(*local, tzinfo=CHICAGO).astimezone(UTC)


@pytest.fixture
def server_clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze the live server's clock; always unfrozen afterwards."""
    try:
        yield clock.freeze
    finally:
        clock.freeze(None)


def _click_link(page, name: str, scope=None) -> None:
    (scope or page).get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def _post_opportunity(page, officer: str) -> None:
    log_in(page, officer)
    follow_nav(page, "Our opportunities")
    assert_accessible(page)
    _click_link(page, "New opportunity")
    expect(page.get_by_role("heading", level=1)).to_have_text("New opportunity")
    assert "America/Chicago" in _main_text(page)  # the closing time is entered in the institution's zone
    assert_accessible(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill(
        "Nightly cleaning of 180,000 sq ft of clinical and office space, five nights a week.")
    page.get_by_label(re.compile(r"^Type\b")).select_option("RFQ")
    page.get_by_label("NAICS codes").fill("561720")
    page.get_by_label("Closing date").fill(FIRST_CLOSING[0].isoformat())
    page.get_by_label("Closing time").fill(FIRST_CLOSING[1].strftime("%H:%M"))
    submit_form(page, "Save draft")
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    assert "Mar 4, 2027 2:00 PM CST" in _main_text(page)
    assert_accessible(page)

    submit_form(page, "Publish")
    expect(page.get_by_text("The opportunity is published and open for bids.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Open\s*$"))
    assert_accessible(page)
    log_out(page)


def _ask_and_bid(page, vendor: str, bid_file) -> None:
    log_in(page, vendor)
    follow_nav(page, "Opportunities")
    assert_accessible(page)
    _click_link(page, TITLE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    assert_accessible(page)

    page.get_by_label("Your question").fill(QUESTION)
    submit_form(page, "Send question")
    expect(page.get_by_text("Your question was sent to the institution.")).to_be_visible()
    assert_accessible(page)

    _click_link(page, "Submit a bid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a bid")
    assert_accessible(page)
    page.get_by_label("Bid amount (US dollars)").fill(AMOUNT)
    page.get_by_label("Narrative").fill("Night crew of six, supervisor on site, green-certified products.")
    page.get_by_label("Documents").set_input_files(str(bid_file))
    submit_form(page, "Submit bid")

    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
    expect(page.get_by_text("Your bid was received.")).to_be_visible()
    received = page.locator("dt", has_text="Received by our server (UTC)").locator("xpath=following-sibling::dd[1]")
    assert received.locator("time").get_attribute("datetime") == START.isoformat()
    assert received.inner_text().startswith("2027-03-02T15:00:00+00:00")
    digests = re.findall(r"\b[0-9a-f]{64}\b", _main_text(page))
    assert digests == [hashlib.sha256(bid_file.read_bytes()).hexdigest()]
    assert bid_file.name in _main_text(page)
    assert_accessible(page)
    log_out(page)


def _answer_and_issue_addendum(page, officer: str) -> None:
    log_in(page, officer)
    follow_nav(page, "Our opportunities")
    _click_link(page, TITLE)
    sealed = _main_text(page)
    assert "Bids are sealed until the closing time." in sealed
    for secret in ("Delgado", "48,250", "48250"):  # before closing: neither who bid nor how much
        assert secret not in page.content(), f"{secret!r} shows on the officer's page before closing"
    assert_accessible(page)

    question = page.locator("section", has_text=QUESTION)
    question.get_by_label("Answer").fill(ANSWER)
    submit_form(page, "Publish answer", question)
    expect(page.get_by_text("The answer is published.")).to_be_visible()
    assert_accessible(page)

    _click_link(page, "Issue an addendum")
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue an addendum")
    assert "must extend the closing time" in _main_text(page)  # within 72 hours of closing
    assert_accessible(page)
    page.get_by_label("Addendum note").fill(ADDENDUM_NOTE)
    page.get_by_label("Closing date").fill(EXTENDED_CLOSING[0].isoformat())
    page.get_by_label("Closing time").fill(EXTENDED_CLOSING[1].strftime("%H:%M"))
    submit_form(page, "Issue addendum")
    expect(page.get_by_text("Addendum 1 was issued")).to_be_visible()
    assert "Mar 16, 2027 2:00 PM CDT" in _main_text(page)
    assert_accessible(page)
    log_out(page)


def _acknowledge_addendum(page, vendor: str) -> None:
    log_in(page, vendor)
    follow_nav(page, "Opportunities")
    _click_link(page, TITLE)
    addendum = page.locator("#addendum-1")
    assert ADDENDUM_NOTE in addendum.inner_text()
    assert "Mar 16, 2027 2:00 PM CDT" in addendum.inner_text()
    text = _main_text(page)
    assert QUESTION in text and ANSWER in text
    assert_accessible(page)
    submit_form(page, "Acknowledge addendum 1", addendum)
    expect(page.get_by_text("You acknowledged addendum 1.")).to_be_visible()
    expect(page.get_by_text("You acknowledged this addendum.")).to_be_visible()
    assert_accessible(page)
    log_out(page)


def _open_bids(page, officer: str) -> None:
    log_in(page, officer)
    follow_nav(page, "Our opportunities")
    _click_link(page, TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Closed\s*$"))
    for secret in ("Delgado", "48,250", "48250"):  # closed but not opened: still sealed
        assert secret not in page.content(), f"{secret!r} shows on the officer's page before opening"
    assert_accessible(page)
    submit_form(page, "Open the bids")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid tabulation")
    expect(page.get_by_text("The bids are open.")).to_be_visible()
    row = page.get_by_role("table").locator("tbody tr", has_text=VENDOR_NAME)
    assert row.count() == 1
    text = row.inner_text()
    assert "$48,250.00" in text
    assert "2027-03-02T15:00:00+00:00" in text
    assert "Addendum 1: yes" in text
    assert_accessible(page)
    log_out(page)


def test_officer_posts_vendor_bids_and_bids_open_only_after_closing(page, accounts, server_clock, tmp_path):
    bid_file = tmp_path / "delgado-price-proposal.pdf"
    bid_file.write_bytes(pdf_bytes("Delgado price proposal"))

    server_clock(START)
    _post_opportunity(page, accounts["officer"])
    _ask_and_bid(page, accounts["vendor"], bid_file)
    server_clock(START + timedelta(hours=2))
    _answer_and_issue_addendum(page, accounts["officer"])
    _acknowledge_addendum(page, accounts["vendor"])
    server_clock(_utc(EXTENDED_CLOSING) + timedelta(minutes=1))
    _open_bids(page, accounts["officer"])
