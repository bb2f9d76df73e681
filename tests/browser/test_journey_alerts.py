"""In a real browser, end to end: a vendor searches and saves the search, an officer publishes a
matching opportunity, the alert is delivered over SMTP, and the vendor follows its link and bids;
the email's unsubscribe link works without logging in.

The server runs in this process, so its clock is frozen and moved forward between the steps;
every page the journey reaches is checked with axe.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from marketplace import clock
from marketplace.mail.services import deliver_pending
from tests.browser.conftest import assert_accessible, log_in, log_out
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.browser

START = datetime(2027, 5, 4, 14, 0, tzinfo=UTC)
TITLE = "Janitorial services for the Riverbend outpatient clinics"
SEARCH_NAME = "Janitorial work"


@pytest.fixture
def server_clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze the live server's clock; always unfrozen afterwards."""
    try:
        yield clock.freeze
    finally:
        clock.freeze(None)


def submit_form(page, button: str) -> None:
    """Press a submit button and wait for the page the form leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def tick(page, label: str) -> None:
    """Tick a USWDS radio by clicking its label, as a person does (the input is styled away)."""
    page.locator("label", has_text=label).click()
    assert page.get_by_label(label).is_checked()


def heading(page) -> str:
    """The page's h1 as rendered, whitespace collapsed."""
    return " ".join(page.get_by_role("heading", level=1).inner_text().split())


def _body(message: Message) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else message
    return (part or message).get_payload(decode=True).decode()


def _alert_for(smtp_server, to: str) -> Message:
    found = [m for m in smtp_server["messages"] if m["To"] == to and TITLE in str(m["Subject"])]
    assert len(found) == 1, [str(m["Subject"]) for m in smtp_server["messages"]]
    return found[0]


def _save_search(page, vendor: str) -> None:
    log_in(page, vendor)
    page.goto("/search/opportunities")
    page.get_by_label("Keywords").fill("janitorial")
    submit_form(page, "Search")
    assert_accessible(page)
    page.get_by_text("Save this search and get email alerts").click()
    page.get_by_label("Name").fill(SEARCH_NAME)
    tick(page, "As they are published")
    submit_form(page, "Save search")
    assert heading(page) == "Saved searches"
    assert page.get_by_text(f"Saved “{SEARCH_NAME}”.").is_visible()
    assert_accessible(page)
    log_out(page)


def _publish(page, officer: str) -> None:
    log_in(page, officer)
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Our opportunities", exact=True).click()
    page.get_by_role("link", name="New opportunity", exact=True).click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Nightly cleaning of three outpatient clinics, 40,000 sq ft in all.")
    page.get_by_label(re.compile(r"^Type\b")).select_option("RFQ")
    page.get_by_label("NAICS codes").fill("561720")
    page.get_by_label("Closing date").fill("2027-05-25")
    page.get_by_label("Closing time").fill("14:00")
    submit_form(page, "Save draft")
    submit_form(page, "Publish")
    assert page.get_by_text("The opportunity is published and open for bids.").is_visible()
    log_out(page)


def test_vendor_is_alerted_of_a_matching_opportunity_and_bids(page, accounts, live_server, server_clock,
                                                              smtp_server, tmp_path):
    server_clock(START)
    _save_search(page, accounts["vendor"])
    server_clock(START + timedelta(hours=1))
    _publish(page, accounts["officer"])

    with live_server.app.app_context():
        sent, failed = deliver_pending(live_server.app.config)
    assert failed == 0 and sent >= 1
    alert = _alert_for(smtp_server, accounts["vendor"])
    body = _body(alert)
    assert f"saved search \"{SEARCH_NAME}\"" in body
    assert "Why it matched: matches your keywords janitorial" in body
    opportunity_path = re.search(r"https?://[^/\s]+(/opportunities/\d+)\b", body).group(1)
    unsubscribe_path = re.search(r"https?://[^/\s]+(/alerts/unsubscribe/[\w-]+)", body).group(1)

    server_clock(START + timedelta(hours=2))
    log_in(page, accounts["vendor"])
    page.goto(opportunity_path)
    assert TITLE in heading(page)
    assert_accessible(page)
    page.get_by_role("link", name="Submit a bid", exact=True).click()
    page.get_by_label("Bid amount (US dollars)").fill("31500.00")
    page.get_by_label("Narrative").fill("Crew of four, five nights a week.")
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(pdf_bytes())
    page.get_by_label("Documents").set_input_files(str(quote))
    submit_form(page, "Submit bid")
    assert heading(page) == "Receipt", page.locator("main").inner_text()[:1500]
    assert page.get_by_text("Your bid was received.").is_visible()
    log_out(page)

    with live_server.app.app_context():  # the same alert is never sent twice
        deliver_pending(live_server.app.config)
    _alert_for(smtp_server, accounts["vendor"])

    page.goto(unsubscribe_path)  # logged out: the link works without an account session
    assert heading(page) == f"Stop alerts for “{SEARCH_NAME}”"
    assert_accessible(page)
    submit_form(page, "Unsubscribe")
    assert page.get_by_text("You are unsubscribed").is_visible()
    assert_accessible(page)
