"""The bid tabulation: only once opened, only for the institution and backbone; certifications on the closing date."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.bids import services as bids
from marketplace.bids import tabulation
from marketplace.errors import NotFound
from marketplace.opportunities import services as opportunities
from marketplace.opportunities.services import OpportunityInput
from marketplace.vendors.models import Certification
from tests.opportunities.view_helpers import T0, at, client_for  # noqa: F401

# 03:00 UTC on March 16 is 11 PM EDT on March 15: the closing *date* is the 15th in New York.
CLOSES = datetime(2026, 3, 16, 3, 0, tzinfo=UTC)


def _cert(vendor_id, type_, effective, expires, status="verified"):
    cert = Certification(vendor_id=vendor_id, type=type_, agency="City OEO", number=f"{type_}-1",
                         effective_on=effective, expires_on=expires, status=status, created_at=T0)
    db.session.add(cert)
    return cert


@pytest.fixture
def opened(make_opportunity, officer, make_user):
    """An opened opportunity with three live bids, one withdrawn bid and one addendum."""
    opportunity = make_opportunity(closes_at=CLOSES)
    addendum = opportunities.issue_addendum(opportunity, "Scope note.", OpportunityInput(
        title=opportunity.title, closes_at=CLOSES), actor=officer, now=T0)
    vendors = [make_user("vendor") for _ in range(4)]
    for user, amount in zip(vendors, ("300.00", "100.00", "200.00", "50.00")):
        bids.submit_bid(opportunity, user=user, amount=amount, narrative="", documents=[], now=T0)
    bids.submit_bid(opportunity, user=vendors[0], amount="250.00", narrative="", documents=[],
                    now=T0 + timedelta(hours=1))
    bids.withdraw_bid(bids.live_bid(opportunity.id, vendors[3].vendor_id), user=vendors[3], now=T0)
    opportunities.acknowledge_addendum(addendum, user=vendors[1], now=T0)
    vendors[2].vendor.legal_name = "=HYPERLINK(\"x\") Corp"
    v = vendors[1].vendor_id
    _cert(v, "SBE", date(2025, 1, 1), date(2026, 3, 15))  # expires on the closing date: held
    _cert(v, "MBE", date(2026, 3, 16), date(2028, 1, 1))  # starts the day after: not held
    _cert(v, "WBE", date(2025, 1, 1), date(2026, 3, 14))  # expired the day before: not held
    _cert(v, "VBE", date(2025, 1, 1), date(2028, 1, 1), status="pending")  # not verified
    _cert(vendors[0].vendor_id, "DBE", date(2025, 1, 1), date(2028, 1, 1))
    opportunities.open_bids(opportunity, actor=officer, now=CLOSES + timedelta(hours=1))
    db.session.flush()
    return opportunity, vendors


def test_tabulation_lists_live_bids_lowest_first_with_certifications_held_on_the_closing_date(opened, officer):
    opportunity, vendors = opened
    result = tabulation.tabulate(opportunity, actor=officer, now=CLOSES + timedelta(hours=2))
    assert result.closing_date == date(2026, 3, 15)
    assert [row.amount for row in result.rows] == [100, 200, 250]  # the withdrawn bid is gone
    cheapest, _, revised = result.rows
    assert cheapest.vendor_id == vendors[1].vendor_id
    assert [c.type for c in cheapest.certifications] == ["SBE"]
    assert cheapest.acknowledged == ((1, True),)
    assert revised.version == 2 and revised.received_at == T0 + timedelta(hours=1)
    assert revised.acknowledged == ((1, False),) and [c.type for c in revised.certifications] == ["DBE"]


def test_tabulation_is_refused_before_opening_and_to_other_institutions(make_opportunity, officer, make_user):
    opportunity = make_opportunity(closes_at=CLOSES)
    with pytest.raises(tabulation.NotOpenedYet) as refused:
        tabulation.tabulate(opportunity, actor=officer, now=CLOSES)
    assert refused.value.status_code == 409 and not any(ch.isdigit() for ch in refused.value.message)
    opportunities.open_bids(opportunity, actor=officer, now=CLOSES)
    for stranger in (make_user("officer"), make_user("vendor")):
        with pytest.raises(NotFound):
            tabulation.tabulate(opportunity, actor=stranger, now=CLOSES)
    assert tabulation.tabulate(opportunity, actor=make_user("backbone"), now=CLOSES).rows == ()


def test_tabulation_runs_one_query_per_table_whatever_the_number_of_bids(opened, officer, make_user):
    opportunity, _ = opened
    engine = db.session.get_bind().engine

    def statements_for_tabulation() -> int:
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            tabulation.tabulate(opportunity, actor=officer, now=CLOSES + timedelta(hours=2))
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    few = statements_for_tabulation()
    for _ in range(5):
        user = make_user("vendor")
        bids.submit_bid(opportunity, user=user, amount="10.00", narrative="", documents=[], now=T0)
    db.session.flush()
    assert statements_for_tabulation() == few <= 7


def test_csv_export_has_a_row_per_bid_and_neutralizes_formulas(opened, officer):
    opportunity, _ = opened
    result = tabulation.tabulate(opportunity, actor=officer, now=CLOSES + timedelta(hours=2))
    rows = list(csv.reader(io.StringIO(tabulation.to_csv(result))))
    assert rows[0][:4] == ["Vendor", "Amount", "Received (UTC)", "Version"]
    assert rows[0][5] == "Addendum 1 acknowledged" and rows[0][6] == "Certifications held on 2026-03-15"
    assert [r[1] for r in rows[1:]] == ["100.00", "200.00", "250.00"]
    assert rows[1][5] == "yes" and rows[1][6].startswith("SBE (City OEO")
    assert rows[2][0].startswith("'=HYPERLINK")


def test_tabulation_pages_for_officer_backbone_and_strangers(client_for, opened, officer, make_user, at):
    opportunity, vendors = opened
    db.session.commit()
    at(CLOSES + timedelta(hours=2))
    page = client_for(officer).get(f"/opportunities/{opportunity.id}/tabulation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "$100.00" in html and "Addendum 1: yes" in html and "SBE (City OEO, 2025-01-01 to 2026-03-15)" in html
    assert "<caption>3 live bids, lowest amount first</caption>" in html
    export = client_for(make_user("backbone")).get(f"/opportunities/{opportunity.id}/tabulation.csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert "250.00" in export.get_data(as_text=True)
    assert client_for(make_user("officer")).get(f"/opportunities/{opportunity.id}/tabulation").status_code == 404
    assert client_for(vendors[0]).get(f"/opportunities/{opportunity.id}/tabulation").status_code == 403
    bid_id = tabulation.tabulate(opportunity, actor=officer, now=CLOSES).rows[0].bid_id
    assert client_for(officer).get(f"/bids/{bid_id}").status_code == 200
