"""The officer's upload page and review queue, and who may use them."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.auth.registration import normalize_business_name
from marketplace.impact.models import SpendLine
from marketplace.vendors.models import VendorAddress
from tests.impact.conftest import BROWARD, figures, spend

HEADER = "line_id,vendor_name,ein,zip,amount,payment_date,category"
ROUTES = [("GET", "/impact/import"), ("POST", "/impact/import"), ("GET", "/impact/unmatched"),
          ("POST", "/impact/unmatched/1/link")]


@pytest.fixture
def officer(make_user, login, institution):
    user = make_user("officer", institution_id=institution.id)
    login(user)
    return user


def _upload(client, text: str, name: str = "ap.csv", **fields):
    data = {"file": (io.BytesIO(text.encode()), name), **fields}
    return client.post("/impact/import", data=data, content_type="multipart/form-data")


def _count(institution) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SpendLine)
                             .where(SpendLine.institution_id == institution.id))


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_users_are_sent_to_log_in(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["vendor", "backbone"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_officers_may_import_or_review_spend(client, make_user, login, role, method, path):
    login(make_user(role))
    assert client.open(path, method=method).status_code == 403


def test_officer_upload_imports_for_their_own_institution(client, officer, institution):
    response = _upload(client, f"{HEADER}\nU1,Acme,,,100.00,2025-03-01,Supplies\nU2,Acme,,,-5.00,2025-03-02,Payroll\n")
    assert response.status_code == 302
    assert _count(institution) == 2
    page = client.get("/impact/import").get_data(as_text=True)
    assert "2 line(s) read: 2 added, 0 already imported." in page and "ap.csv" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "spend.imported"))
    assert event.actor_user_id == officer.id


def test_a_reupload_that_would_change_stored_lines_warns_on_the_page(client, officer, institution):
    assert _upload(client, f"{HEADER}\nU1,Acme,,,100.00,2025-03-01,Supplies\n").status_code == 302
    response = _upload(client, f"{HEADER}\nU1,Acme,,,100.50,2025-03-01,Supplies\n")
    assert response.status_code == 302
    page = client.get("/impact/import").get_data(as_text=True)
    assert "1 line(s) read: 0 added, 1 already imported." in page
    assert "usa-alert--warning" in page and "line 2 (U1): amount 100.50 here, 100.00 stored" in page


def test_upload_with_bad_rows_lists_every_problem_and_applies_nothing(client, officer, institution):
    text = f"{HEADER}\nU1,Acme,,,100.00,2025-03-01,Supplies\nU2,Acme,,,1O0.00,2025-03-02,Supplies\nU3,Acme,,,1.00,2025-13-01,Supplies\n"
    response = _upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 2 problems in the file" in page
    assert "amount &#39;1O0.00&#39; is not a number" in page
    assert "payment_date &#39;2025-13-01&#39; is not a date" in page
    assert _count(institution) == 0


def test_upload_without_a_file_is_refused(client, officer):
    response = client.post("/impact/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file" in response.get_data(as_text=True)


def test_review_queue_shows_only_the_officers_institution(client, officer, institution, make_institution):
    spend(institution, "300.00", date(2025, 3, 1), None)
    other = make_institution(slug="elsewhere")
    spend(other, "999.00", date(2025, 3, 1), None).vendor_name = "OTHER INSTITUTION PAYEE"
    db.session.flush()
    page = client.get("/impact/unmatched").get_data(as_text=True)
    assert "UNKNOWN PAYEE" in page and "OTHER INSTITUTION PAYEE" not in page
    assert "1 line to review." in page


def test_linking_a_line_to_a_vendor_updates_the_percentages(client, officer, institution, make_vendor):
    local = make_vendor(legal_name="Lauderdale Linen LLC", normalized_name=normalize_business_name("Lauderdale Linen LLC"))
    local.addresses.append(VendorAddress(kind="principal", line1="1 Las Olas", city="Fort Lauderdale", state="FL",
                                         zip=BROWARD[0], county=BROWARD[1]))
    first = spend(institution, "300.00", date(2025, 3, 1), None)
    second = spend(institution, "100.00", date(2025, 3, 9), None)
    for line in (first, second):
        line.vendor_name, line.zip, line.match_status = "LAUDERDALE LINEN", BROWARD[0], "ambiguous"
    db.session.flush()
    assert figures("2025-03", "general")["categories"]["local"]["amount"] == "0.00"
    page = client.get("/impact/unmatched").get_data(as_text=True)
    assert "Lauderdale Linen LLC" in page and "same name in ZIP 33301" in page
    response = client.post(f"/impact/unmatched/{first.id}/link", data={"vendor_id": local.id, "same_payee": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {(line.vendor_id, line.match_status) for line in (first, second)} == {(local.id, "manual")}
    # Both payments are now local: 400 / 400
    assert figures("2025-03", "general")["categories"]["local"] == {"amount": "400.00", "share": "1.000000"}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "spend.linked"))
    assert event.actor_user_id == officer.id and sorted(event.detail["line_ids"]) == sorted([first.line_id, second.line_id])


def test_vendor_search_offers_vendors_to_link(client, officer, institution, make_vendor):
    make_vendor(legal_name="Zephyr Couriers Inc", normalized_name="zephyr couriers")
    spend(institution, "50.00", date(2025, 3, 1), None)
    page = client.get("/impact/unmatched?q=zephyr").get_data(as_text=True)
    assert "Zephyr Couriers Inc" in page and "found by search" in page


def test_an_officer_cannot_link_another_institutions_line(client, officer, make_institution, make_vendor):
    other = make_institution(slug="elsewhere")
    line = spend(other, "10.00", date(2025, 3, 1), None)
    response = client.post(f"/impact/unmatched/{line.id}/link", data={"vendor_id": make_vendor().id})
    assert response.status_code == 404
    db.session.expire_all()
    assert line.vendor_id is None
