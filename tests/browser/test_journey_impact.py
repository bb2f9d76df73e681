"""In a real browser, end to end: the backbone sets a local goal; an officer awards a bid, imports a
spend file with two bad rows, fixes it, links an unmatched payee to its vendor and sees the
dashboard move; the backbone sees the collaborative dashboard and exports it; anyone sees the
public summary.

The server's clock is frozen on 2026-11-20, so Riverbend Health's (July) fiscal year FY2027 is
in progress. Hand-computed figures, FY2027 to date:
  Lakeshore Printing (local)        1,000.00
  Acme National Supplies (neither)  3,000.00
  SSC FOOD SVC → Southside Catering 1,000.00 (local and verified MBE, once linked)
  Payroll (non-addressable)        10,000.00
  addressable 5,000.00: local 20% before the link, 40% after; MWBE 0% then 20%.
Baseline FY2026: Lakeshore 500.00 of 5,000.00 addressable = 10%. Goal 50% local:
progress (0.20 − 0.10) ÷ (0.50 − 0.10) = 25% before the link, (0.40 − 0.10) ÷ 0.40 = 75% after.
The collaborative (one institution) has a 25% local goal from FY2026: local dollars shifted =
(0.40 − 0.10) × 5,000.00 = 1,500.00.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace import clock, db
from marketplace.auth.models import User
from marketplace.bids import services as bids
from marketplace.impact import goals
from marketplace.impact.goals import GoalInput
from marketplace.impact.spend_import import import_spend
from marketplace.institutions.models import Collaborative, Institution, LocalRuleCounty, SpendCategory
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.services import OpportunityInput
from marketplace.vendors.models import Certification, Vendor, VendorAddress
from tests.browser.conftest import assert_accessible, follow_nav, log_in, log_out, submit_form, tick

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TITLE = "Catering for the Riverbend Health staff cafeteria"
HEADER = "line_id,vendor_name,ein,zip,amount,payment_date,category"
GOOD_ROWS = [
    "AP-1001,Lakeshore Printing LLC,,60601,1000.00,2026-08-05,Supplies",
    "AP-1002,Acme National Supplies Inc,,10001,3000.00,2026-09-10,Supplies",
    "AP-1003,SSC FOOD SVC,,60601,1000.00,2026-10-15,Food",
    "AP-1004,Payroll run October,,,10000.00,2026-10-31,Payroll",
]
BAD_ROWS = [
    "AP-1001,Lakeshore Printing LLC,,60601,1O00.00,2026-08-05,Supplies",
    "AP-1002,Acme National Supplies Inc,,10001,3000.00,2026-13-10,Supplies",
]


def _vendor(name: str, zip_code: str, county: str, state: str, certs: tuple[str, ...] = ()) -> Vendor:
    now = datetime.now(UTC)
    vendor = Vendor(legal_name=name, normalized_name=name.lower(), created_at=now, updated_at=now)
    vendor.addresses.append(VendorAddress(kind="principal", line1="1 Main St", city="City", state=state,
                                          zip=zip_code, county=county))
    db.session.add(vendor)
    db.session.flush()
    for cert_type in certs:
        db.session.add(Certification(vendor_id=vendor.id, type=cert_type, agency="City of Chicago",
                                     effective_on=date(2020, 1, 1), expires_on=date(2030, 12, 31),
                                     status="verified", created_at=now))
    return vendor


@pytest.fixture(scope="module")
def world(live_server, accounts) -> Iterator[dict]:
    """Cook County is the region; vendors, a baseline year of spend, and an opened bid to award."""
    clock.freeze(NOW)
    with live_server.app.app_context():
        collab = db.session.scalar(sa.select(Collaborative))
        collab.local_rule.counties.append(LocalRuleCounty(state="IL", county="Cook"))
        inst = db.session.scalar(sa.select(Institution).where(Institution.slug == "riverbend-health"))
        inst.spend_categories.append(SpendCategory(name="Payroll", addressable=False))
        _vendor("Lakeshore Printing LLC", "60601", "Cook County", "IL")
        _vendor("Acme National Supplies Inc", "10001", "New York County", "NY")
        _vendor("Southside Catering Co", "60615", "Cook County", "IL", certs=("MBE",))
        baseline = "\n".join([HEADER, "B-1,Lakeshore Printing LLC,,60601,500.00,2026-03-01,Supplies",
                              "B-2,Acme National Supplies Inc,,10001,4500.00,2026-02-01,Supplies"]) + "\n"
        import_spend(inst, "baseline.csv", baseline.encode(), actor=None, allow_new_categories=True)
        officer = db.session.scalar(sa.select(User).where(User.email == accounts["officer"]))
        vendor_user = db.session.scalar(sa.select(User).where(User.email == accounts["vendor"]))
        opportunity = opportunities.create_draft(inst, OpportunityInput(title=TITLE, closes_at=NOW - timedelta(days=10)),
                                                 actor=officer, now=NOW - timedelta(days=30))
        opportunities.publish(opportunity, actor=officer, now=NOW - timedelta(days=30))
        bids.submit_bid(opportunity, user=vendor_user, amount=Decimal("18400.00"), narrative="", documents=[],
                        now=NOW - timedelta(days=20))
        opportunities.open_bids(opportunity, actor=officer, now=NOW - timedelta(days=9))
        goals.create_goal(GoalInput(None, "local", "FY2026", "share", "25", date(2028, 6, 30)), actor=None)
        db.session.commit()
        yield {"opportunity_id": opportunity.id}
    clock.freeze(None)


def heading(page) -> str:
    """The page's h1, whitespace collapsed."""
    return " ".join(page.get_by_role("heading", level=1).inner_text().split())


def _main(page) -> str:
    return page.locator("main").inner_text()


def _upload(page, tmp_path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    page.get_by_label("Spend extract (CSV or XLSX)").set_input_files(str(path))
    if not page.get_by_label("Add spend categories we do not know yet, as addressable").is_checked():
        tick(page, "Add spend categories we do not know yet, as addressable")
    submit_form(page, "Check and import")


def _download(page, link_name: str) -> list[dict]:
    """Follow a CSV link (matched on its words: the screen-reader suffix may be spaced) and read the file."""
    name = re.compile(r"\s*".join(re.escape(word) for word in link_name.split()))
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    return list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))


def _glance_row(page, category: str) -> str:
    return " ".join(page.get_by_role("row", name=re.compile(rf"^{category}\b")).first.inner_text().split())


def _backbone_sets_goal(page, email: str) -> None:
    log_in(page, email)
    follow_nav(page, "Impact")
    assert heading(page) == "Collaborative impact purchasing"
    assert_accessible(page)
    page.get_by_role("link", name="Manage goals").click()
    page.get_by_role("link", name="Set a goal").click()
    assert heading(page) == "Set a goal"
    page.get_by_label("Goal for").select_option(label="Riverbend Health System")
    page.get_by_label("Category").select_option(label="Local")
    page.get_by_label("Baseline period").fill("FY2026")
    tick(page, "A share of addressable spend (a percentage)")
    page.get_by_label(re.compile(r"^Target\W*$")).fill("50")
    page.get_by_label("Target date").fill("2028-06-30")
    assert_accessible(page)
    submit_form(page, "Save goal")
    expect(page.get_by_text("The goal was added.")).to_be_visible()
    row = " ".join(page.get_by_role("row", name=re.compile("Riverbend Health System")).inner_text().split())
    assert "10.00% (FY2026)" in row and "50% by 2028-06-30" in row and "n/a (FY2027 to date)" in row
    assert_accessible(page)
    log_out(page)


def _officer_awards(page, opportunity_id: int) -> None:
    page.goto(f"/opportunities/{opportunity_id}/tabulation")
    assert heading(page) == "Bid tabulation"
    tick(page, "Award to Delgado Facility Services LLC")
    page.get_by_label(re.compile("^Award amount")).fill("18400.00")
    page.get_by_label(re.compile("^Contract start")).fill("2026-12-01")
    page.get_by_label(re.compile("^Contract end")).fill("2027-11-30")
    submit_form(page, "Award the ticked bids")
    expect(page.get_by_text(re.compile("1 award made"))).to_be_visible()
    assert_accessible(page)


def _officer_imports_and_links(page, tmp_path) -> None:
    follow_nav(page, "Impact")
    assert heading(page) == "Impact purchasing: Riverbend Health System"
    assert "Local $0.00 n/a" in _glance_row(page, "Local")  # nothing paid yet this fiscal year
    assert_accessible(page)

    follow_nav(page, "Spend imports")
    _upload(page, tmp_path, "ap-bad.csv", BAD_ROWS + GOOD_ROWS[2:])
    expect(page.get_by_text("Nothing was imported: 2 problems in the file")).to_be_visible()
    problems = page.locator("#problems").inner_text()
    assert "1O00.00" in problems and "2026-13-10" in problems
    _upload(page, tmp_path, "ap-fixed.csv", GOOD_ROWS)
    expect(page.get_by_text(re.compile(r"4 line\(s\) read: 4 added"))).to_be_visible()
    assert_accessible(page)

    follow_nav(page, "Impact")
    assert "Local $1,000.00 20.00%" in _glance_row(page, "Local")
    assert "25%" in _glance_row(page, "Local")  # (0.20 − 0.10) ÷ (0.50 − 0.10)
    # the payroll run's payee is no registered vendor either: it waits in the queue too
    expect(page.get_by_text("2 spend lines ($11,000.00) not tied to a vendor yet")).to_be_visible()
    page.get_by_role("link", name="Review unmatched spend").click()
    assert heading(page) == "Spend lines to review"
    page.get_by_label("Find a vendor by name, DBA or EIN").fill("Southside")
    submit_form(page, "Search")
    card = page.locator("section", has_text="SSC FOOD SVC")
    tick(card, "Southside Catering Co (found by search)")
    submit_form(page, re.compile("^Link"), scope=card)
    expect(page.get_by_text(re.compile("Linked 1 line"))).to_be_visible()
    assert_accessible(page)


def _officer_sees_the_move(page) -> None:
    follow_nav(page, "Impact")
    assert "Local $2,000.00 40.00%" in _glance_row(page, "Local")
    assert "75%" in _glance_row(page, "Local")  # (0.40 − 0.10) ÷ (0.50 − 0.10)
    assert "20.00%" in _glance_row(page, "Minority")
    expect(page.get_by_text("1 spend line ($10,000.00) not tied to a vendor yet")).to_be_visible()
    main = _main(page)
    assert "expiry rule: strict" in main and "local rule: Riverbend region" in main
    assert "addressable spend (the denominator)" in main
    vendors = page.locator("table", has_text="Top 2 local vendors").inner_text()
    assert "Lakeshore Printing LLC" in vendors and "Southside Catering Co" in vendors
    assert "Southside Catering Co" in page.locator("table", has_text="diverse vendors").inner_text()
    assert page.locator("svg.impact-chart[role=img]").count() >= 2
    assert_accessible(page)
    rows = _download(page, "Download the data (CSV) of the chart Local share by quarter")
    q4 = next(r for r in rows if r["period"] == "2026Q4" and r["category"] == "local")
    assert (q4["amount"], q4["addressable"], q4["share"], q4["expiry_rule"]) == ("1000.00", "1000.00", "1.000000", "strict")


def _backbone_exports(page, email: str) -> None:
    log_in(page, email)
    follow_nav(page, "Impact")
    row = " ".join(page.get_by_role("row", name=re.compile("^Riverbend Health System")).first.inner_text().split())
    assert "40.00%" in row and "75%" in row
    assert "$1,500.00" in _main(page)  # local dollars shifted: (0.40 − 0.10) × 5,000.00
    assert_accessible(page)
    rows = _download(page, "Download the data (CSV) of every institution's current shares")
    local = {r["scope"]: r for r in rows if r["category"] == "local"}
    assert local["riverbend-health"]["share"] == "0.400000" and local["collaborative"]["addressable"] == "5000.00"
    shifted = _download(page, "Download dollars shifted (CSV)")
    assert next(r for r in shifted if r["category"] == "local")["dollars_shifted"] == "1500.00"
    log_out(page)


def _public_sees_summary(page) -> None:
    page.goto("/")
    follow_nav(page, "Impact")
    assert heading(page) == "Impact purchasing across the collaborative"
    main = _main(page)
    assert "40.0%" in main and "Southside" not in main and "Lakeshore" not in main
    assert_accessible(page)


def test_officer_import_link_moves_the_dashboard_and_backbone_exports_it(page, accounts, world, tmp_path):
    _backbone_sets_goal(page, accounts["backbone"])
    log_in(page, accounts["officer"])
    _officer_awards(page, world["opportunity_id"])
    _officer_imports_and_links(page, tmp_path)
    _officer_sees_the_move(page)
    log_out(page)
    _backbone_exports(page, accounts["backbone"])
    _public_sees_summary(page)
