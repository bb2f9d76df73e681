"""The vendor's certifications over HTTP: add, bad input, documents, renew, withdraw, history."""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.documents import services as documents
from marketplace.documents.models import Document
from marketplace.vendors.models import Certification
from tests.documents.samples import GeneratedStream, exe_bytes, pdf_bytes, png_bytes

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def now(frozen_clock) -> datetime:
    """Freeze the clock on a known day (2 March 2026, 15:00 UTC)."""
    frozen_clock(NOW)
    return NOW


@pytest.fixture
def vendor_user(make_user, login, now):
    """A logged-in vendor user."""
    user = make_user("vendor")
    login(user)
    return user


@pytest.fixture
def make_cert() -> Callable[..., Certification]:
    """Create a certification row directly, with a stored PDF unless `document=False`."""

    def make(vendor_id: int, *, document: bool | bytes = True, uploaded_by=None, **fields) -> Certification:
        values = dict(type="SBE", agency="Broward County OESBD", number="SBE-1",
                      effective_on=date(2025, 1, 1), expires_on=date(2027, 12, 31), status="self_attested",
                      created_at=NOW)
        values.update(fields)
        if document:
            data = document if isinstance(document, bytes) else pdf_bytes()
            name = "cert.png" if data.startswith(b"\x89PNG") else "cert.pdf"
            doc = documents.store_upload(upload(data, name), uploaded_by=uploaded_by, vendor_id=vendor_id)
            values["document_id"] = doc.id
        cert = Certification(vendor_id=vendor_id, **values)
        db.session.add(cert)
        db.session.flush()
        return cert

    return make


def upload(data: bytes, filename: str = "certificate.pdf"):
    """A FileStorage for service calls."""
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=filename)


def claim(**overrides) -> dict:
    """Form data for a valid claim with a PDF certificate."""
    data = {"type": "MBE", "agency": "Florida Office of Supplier Diversity", "number": "MBE-2231",
            "effective_on": "2026-01-15", "expires_on": "2028-01-14",
            "document": (io.BytesIO(pdf_bytes()), "MBE certificate.pdf")}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_large(client, path: str, data: dict):
    """POST a multipart form whose body werkzeug spools to a temporary file, and close that file."""
    builder = EnvironBuilder(path=path, method="POST", data=data, headers={"Accept": "text/html"})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def certs_of(vendor_id: int) -> list[Certification]:
    return list(db.session.scalars(sa.select(Certification).where(Certification.vendor_id == vendor_id)
                                   .order_by(Certification.id)))


def stored_files(app) -> list[str]:
    root = app.config["UPLOAD_DIR"]
    if not os.path.isdir(root):
        return []
    return [n for n in os.listdir(root) if n != documents.INCOMING_DIR] + [
        n for n in (os.listdir(os.path.join(root, documents.INCOMING_DIR))
                    if os.path.isdir(os.path.join(root, documents.INCOMING_DIR)) else [])]


def test_vendor_adds_a_self_attested_certification_with_its_document(client, vendor_user, app):
    response = client.post("/vendor/certifications/new", data=claim(), content_type="multipart/form-data")
    assert response.status_code == 302
    [cert] = certs_of(vendor_user.vendor_id)
    assert (cert.type, cert.agency, cert.number) == ("MBE", "Florida Office of Supplier Diversity", "MBE-2231")
    assert (cert.effective_on, cert.expires_on) == (date(2026, 1, 15), date(2028, 1, 14))
    assert cert.status == "self_attested" and cert.renews_id is None
    assert cert.document.content_type == "application/pdf" and cert.document.vendor_id == vendor_user.vendor_id
    assert stored_files(app) == [cert.document.storage_name]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certification.added"))
    assert event.object_id == str(cert.id) and event.actor_user_id == vendor_user.id
    page = client.get("/vendor/certifications").get_data(as_text=True)
    assert "MBE-2231" in page and "Self-attested" in page and "Ask for verification" in page


def test_form_states_the_accepted_types_and_size_limit(client, vendor_user):
    page = client.get("/vendor/certifications/new").get_data(as_text=True)
    assert "PDF, PNG or JPEG, up to 10 MB." in page
    assert 'accept=".pdf,.png,.jpg,.jpeg' in page


def test_vendor_may_hold_several_certifications_of_a_type(client, vendor_user):
    client.post("/vendor/certifications/new", data=claim(), content_type="multipart/form-data")
    second = claim(agency="Florida State Minority Supplier Development Council", number="FSMSDC-9")
    assert client.post("/vendor/certifications/new", data=second, content_type="multipart/form-data").status_code == 302
    assert [c.agency for c in certs_of(vendor_user.vendor_id)] == [
        "Florida Office of Supplier Diversity", "Florida State Minority Supplier Development Council"]


def test_adding_with_the_request_box_sends_it_for_verification_at_once(client, vendor_user):
    client.post("/vendor/certifications/new", data=claim(request_verification="y"), content_type="multipart/form-data")
    [cert] = certs_of(vendor_user.vendor_id)
    assert cert.status == "pending"


def test_asking_for_verification_without_a_document_is_a_field_error(client, vendor_user, app):
    response = client.post("/vendor/certifications/new", data=claim(document=None, request_verification="y"),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Upload the certificate document to ask for verification." in response.get_data(as_text=True)
    assert certs_of(vendor_user.vendor_id) == []


def test_expiry_before_the_effective_date_is_a_field_error_and_stores_nothing(client, vendor_user, app):
    response = client.post("/vendor/certifications/new", data=claim(expires_on="2026-01-14"),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="expires_on-error"' in page and "The expiry date must be on or after the effective date." in page
    assert certs_of(vendor_user.vendor_id) == []
    assert stored_files(app) == []


def test_expiry_on_the_effective_date_is_accepted(client, vendor_user):
    response = client.post("/vendor/certifications/new", data=claim(expires_on="2026-01-15"),
                           content_type="multipart/form-data")
    assert response.status_code == 302


def test_disabled_type_cannot_be_added_nor_is_offered(client, vendor_user, collaborative):
    collaborative.enabled_certification_types = ["SBE", "employee_owned"]
    db.session.commit()
    page = client.get("/vendor/certifications/new").get_data(as_text=True)
    assert 'value="SBE"' in page and 'value="MBE"' not in page
    response = client.post("/vendor/certifications/new", data=claim(type="MBE"), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a certification type the collaborative uses." in response.get_data(as_text=True)
    assert certs_of(vendor_user.vendor_id) == []


def test_unknown_type_is_refused(client, vendor_user):
    response = client.post("/vendor/certifications/new", data=claim(type="XYZ"), content_type="multipart/form-data")
    assert response.status_code == 422
    assert certs_of(vendor_user.vendor_id) == []


def test_executable_named_pdf_is_refused_and_nothing_is_stored(client, vendor_user, app):
    data = claim(document=(io.BytesIO(exe_bytes()), "certificate.pdf"))
    response = client.post("/vendor/certifications/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "This file is a program, not a document." in response.get_data(as_text=True)
    assert certs_of(vendor_user.vendor_id) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert stored_files(app) == []


def test_file_over_the_upload_limit_gets_the_limit_on_the_field_and_nothing_is_stored(client, vendor_user, app):
    size = 10 * 1024 * 1024 + 100_000  # over MAX_UPLOAD_BYTES, under the request limit
    data = claim(document=(GeneratedStream(size), "scan.pdf"))
    response = post_large(client, "/vendor/certifications/new", data)
    assert response.status_code == 422
    assert "The file is larger than 10 MB." in response.get_data(as_text=True)
    assert certs_of(vendor_user.vendor_id) == [] and stored_files(app) == []


def test_sixty_megabyte_upload_gets_a_clear_message_and_nothing_is_stored(client, vendor_user, app):
    data = claim(document=(GeneratedStream(60 * 1024 * 1024), "huge.pdf"))
    response = post_large(client, "/vendor/certifications/new", data)
    assert response.status_code == 413
    assert "The file is larger than 10 MB. Please upload a smaller file" in response.get_data(as_text=True)
    assert certs_of(vendor_user.vendor_id) == [] and stored_files(app) == []


def test_list_shows_expired_after_the_expiry_date_whatever_the_stored_status(client, vendor_user, make_cert):
    make_cert(vendor_user.vendor_id, status="verified", expires_on=date(2026, 3, 1), number="OLD-1")
    make_cert(vendor_user.vendor_id, status="verified", expires_on=date(2026, 3, 2), number="TODAY-1")
    db.session.commit()
    page = client.get("/vendor/certifications").get_data(as_text=True)
    old_row = page[page.index("OLD-1"):]
    assert "Expired" in old_row[:old_row.index("</tr>")]
    today_row = page[page.index("TODAY-1"):]
    assert "Verified" in today_row[:today_row.index("</tr>")] and "Expired" not in today_row[:today_row.index("</tr>")]


def test_request_verification_moves_self_attested_to_pending(client, vendor_user, make_cert):
    cert = make_cert(vendor_user.vendor_id)
    db.session.commit()
    response = client.post(f"/vendor/certifications/{cert.id}/request-verification")
    assert response.status_code == 302
    assert db.session.get(Certification, cert.id).status == "pending"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certification.verification_requested"))
    assert event.object_id == str(cert.id)


def test_request_verification_without_a_document_is_refused(client, vendor_user, make_cert):
    cert = make_cert(vendor_user.vendor_id, document=False)
    db.session.commit()
    response = client.post(f"/vendor/certifications/{cert.id}/request-verification")
    assert response.status_code == 409
    assert "Upload the certificate document before asking for verification." in response.get_data(as_text=True)
    assert db.session.get(Certification, cert.id).status == "self_attested"


def test_request_verification_twice_is_a_conflict(client, vendor_user, make_cert):
    cert = make_cert(vendor_user.vendor_id, status="pending")
    db.session.commit()
    response = client.post(f"/vendor/certifications/{cert.id}/request-verification")
    assert response.status_code == 409
    assert "this one is waiting for verification" in response.get_data(as_text=True)


def test_document_uploaded_later_allows_the_request(client, vendor_user, make_cert):
    cert = make_cert(vendor_user.vendor_id, document=False)
    db.session.commit()
    response = client.post(f"/vendor/certifications/{cert.id}/document",
                           data={"document": (io.BytesIO(png_bytes()), "scan.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.get(Certification, cert.id).document.content_type == "image/png"
    assert client.post(f"/vendor/certifications/{cert.id}/request-verification").status_code == 302


def test_renewal_is_a_new_certification_of_the_same_type_and_the_old_one_stays_in_history(
        client, vendor_user, make_cert):
    old = make_cert(vendor_user.vendor_id, status="verified", expires_on=date(2026, 4, 30), number="SBE-OLD")
    db.session.commit()
    form = client.get(f"/vendor/certifications/{old.id}/renew").get_data(as_text=True)
    assert 'value="Broward County OESBD"' in form  # agency pre-filled
    data = claim(type="MBE", agency="Broward County OESBD", number="SBE-NEW", effective_on="2026-05-01",
                 expires_on="2029-04-30")
    response = client.post(f"/vendor/certifications/{old.id}/renew", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    old_row, new = certs_of(vendor_user.vendor_id)
    assert new.type == "SBE" and new.renews_id == old.id and new.status == "self_attested"
    assert old_row.status == "verified"
    page = client.get("/vendor/certifications").get_data(as_text=True)
    history = page[page.index("<h2>History</h2>"):]
    assert "SBE-OLD" in history and f"Renewal, certification {new.id}" in history
    assert "SBE-NEW" in page[:page.index("<h2>History</h2>")]
    assert db.session.scalar(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "certification.renewed")) == str(new.id)


def test_certification_cannot_be_renewed_twice(client, vendor_user, make_cert):
    old = make_cert(vendor_user.vendor_id, status="verified")
    db.session.commit()
    data = dict(effective_on="2028-01-01", expires_on="2030-12-31", agency="Broward County OESBD")
    assert client.post(f"/vendor/certifications/{old.id}/renew", data=data).status_code == 302
    again = client.post(f"/vendor/certifications/{old.id}/renew", data=data)
    assert again.status_code == 409
    assert "already been renewed" in again.get_data(as_text=True)


def test_renewal_with_bad_dates_is_a_field_error(client, vendor_user, make_cert):
    old = make_cert(vendor_user.vendor_id)
    db.session.commit()
    response = client.post(f"/vendor/certifications/{old.id}/renew",
                           data=dict(effective_on="2028-01-01", expires_on="2027-01-01", agency="X"))
    assert response.status_code == 422
    assert "The expiry date must be on or after the effective date." in response.get_data(as_text=True)
    assert len(certs_of(vendor_user.vendor_id)) == 1


def test_withdrawn_certification_is_kept_in_the_history(client, vendor_user, make_cert):
    cert = make_cert(vendor_user.vendor_id, status="verified", number="W-1")
    db.session.commit()
    assert client.post(f"/vendor/certifications/{cert.id}/withdraw").status_code == 302
    assert db.session.get(Certification, cert.id).status == "withdrawn"
    page = client.get("/vendor/certifications").get_data(as_text=True)
    assert "W-1" in page[page.index("<h2>History</h2>"):] and "Withdrawn" in page
    assert db.session.scalar(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "certification.withdrawn"))["previous_status"] == "verified"
    assert client.post(f"/vendor/certifications/{cert.id}/withdraw").status_code == 409


def test_another_vendors_certification_looks_absent(client, vendor_user, make_user, make_cert):
    other = make_user("vendor")
    cert = make_cert(other.vendor_id)
    db.session.commit()
    assert client.get(f"/vendor/certifications/{cert.id}").status_code == 404
    assert client.post(f"/vendor/certifications/{cert.id}/withdraw").status_code == 404
    assert client.post(f"/vendor/certifications/{cert.id}/request-verification").status_code == 404
    assert db.session.get(Certification, cert.id).status == "self_attested"


def test_detail_page_shows_the_renewal_chain(client, vendor_user, make_cert):
    first = make_cert(vendor_user.vendor_id, number="A-1", expires_on=date(2025, 12, 31))
    second = make_cert(vendor_user.vendor_id, number="A-2", renews_id=first.id, effective_on=date(2026, 1, 1))
    db.session.commit()
    page = client.get(f"/vendor/certifications/{second.id}").get_data(as_text=True)
    assert "Earlier certificates" in page and "A-1" in page
    first_page = client.get(f"/vendor/certifications/{first.id}").get_data(as_text=True)
    assert f"certification {second.id}" in first_page


@pytest.mark.parametrize("role", ["officer", "backbone"])
def test_only_vendors_manage_certifications(client, login, make_user, role):
    login(make_user(role))
    assert client.get("/vendor/certifications").status_code == 403
    assert client.post("/vendor/certifications/new", data=claim()).status_code == 403
