"""Downloading documents over HTTP, and the message for requests over the upload limit."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.documents import services
from tests.documents.samples import GeneratedStream, pdf_bytes, png_bytes


def fetch(client, url: str):
    """GET `url`, read the body and close the response (send_file keeps the file open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def vendor_document(make_user):
    """A committed PDF belonging to a vendor, and that vendor's user."""
    owner = make_user("vendor")
    data = pdf_bytes()
    document = services.store_upload(
        FileStorage(stream=io.BytesIO(data), filename="../Insurance Certificate.pdf"),
        uploaded_by=owner,
        vendor_id=owner.vendor_id,
    )
    db.session.commit()
    return document, owner, data


def test_owner_downloads_the_file_as_an_attachment_with_safe_headers(client, login, vendor_document):
    document, owner, data = vendor_document
    login(owner)
    response = fetch(client, f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=Insurance_Certificate.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_stored_content_type_is_sent_whatever_the_original_name(client, login, make_user):
    owner = make_user("vendor")
    document = services.store_upload(
        FileStorage(stream=io.BytesIO(png_bytes()), filename="logo.pdf", content_type="application/pdf"),
        uploaded_by=owner, vendor_id=owner.vendor_id,
    )
    db.session.commit()
    login(owner)
    response = fetch(client, f"/documents/{document.id}")
    assert response.mimetype == "image/png"
    assert "logo.pdf.png" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("role", ["officer", "backbone"])
def test_officers_and_backbone_download_vendor_documents(client, login, make_user, vendor_document, role):
    document, _owner, data = vendor_document
    login(make_user(role))
    response = fetch(client, f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == data


def test_other_vendor_gets_not_found_and_the_refusal_is_audited(client, login, make_user, vendor_document):
    document, _owner, _data = vendor_document
    intruder = make_user("vendor")
    login(intruder)
    response = fetch(client, f"/documents/{document.id}")
    assert response.status_code == 404
    assert response.data == client.get("/documents/999999").data  # refusal looks like absence
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "document.access_refused"))
    assert event.actor_user_id == intruder.id
    assert event.object_id == str(document.id)


def test_anonymous_visitor_is_sent_to_log_in(client, vendor_document):
    document, _owner, _data = vendor_document
    response = fetch(client, f"/documents/{document.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_institution_document_is_open_to_any_logged_in_user(client, login, make_user, make_institution):
    officer = make_user("officer")
    document = services.store_upload(
        FileStorage(stream=io.BytesIO(pdf_bytes()), filename="scope.pdf"),
        uploaded_by=officer, institution_id=make_institution().id,
    )
    db.session.commit()
    login(make_user("vendor"))
    assert fetch(client, f"/documents/{document.id}").status_code == 200


def test_request_over_the_size_limit_gets_a_clear_message_not_a_bare_413(client):
    size = 60 * 1024 * 1024
    response = client.post(
        "/login",
        input_stream=GeneratedStream(size, header=b"--x\r\n"),
        content_type="multipart/form-data; boundary=x",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is larger than 10 MB." in page
    assert "PDF, PNG or JPEG, up to 10 MB" in page


def test_request_over_the_size_limit_answers_json_clients_in_the_error_shape(client):
    size = 12 * 1024 * 1024
    response = client.post(
        "/login",
        input_stream=GeneratedStream(size, header=b"--x\r\n"),
        content_type="multipart/form-data; boundary=x",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["message"].startswith("The file is larger than 10 MB.")
