"""The backbone's verification queue: order, documents beside claims, decisions, audit, emails, refusals."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace import audit, clock, db
from marketplace.audit import AuditEvent
from marketplace.errors import NotAllowed
from marketplace.mail.models import OutboxMessage
from marketplace.vendors import certifications as certs
from marketplace.vendors.models import Certification
from tests.documents.samples import jpeg_bytes, png_bytes
from tests.vendors.test_certifications import NOW, make_cert, now  # noqa: F401  (fixtures)


@pytest.fixture
def backbone(make_user, login, now):
    """A logged-in backbone user."""
    user = make_user("backbone", name="Bea Backbone")
    login(user)
    return user


@pytest.fixture
def pending(make_user, make_cert):
    """A pending SBE claim with a PDF, and the vendor user who will be emailed."""
    owner = make_user("vendor", email="owner@vendor.example")
    owner.vendor.legal_name = "Sunrise Janitorial LLC"
    cert = make_cert(owner.vendor_id, status="pending", uploaded_by=owner, number="SBE-77")
    db.session.commit()
    return cert, owner


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_queue_lists_pending_claims_oldest_request_first_with_their_fields(client, backbone, make_user, make_cert):
    first, second = make_user("vendor"), make_user("vendor")
    newer = make_cert(first.vendor_id, number="LATE-1")
    older = make_cert(second.vendor_id, number="EARLY-1")
    make_cert(first.vendor_id, number="NOT-PENDING", status="self_attested")
    for cert, at in ((older, NOW - timedelta(days=3)), (newer, NOW - timedelta(days=1))):
        cert.status = "pending"
        audit.record("certification.verification_requested", "certification", cert.id, at=at)
    db.session.commit()
    page = client.get("/backbone/verifications").get_data(as_text=True)
    assert page.index("EARLY-1") < page.index("LATE-1")
    assert "NOT-PENDING" not in page
    assert "Broward County OESBD" in page and "2027-12-31" in page
    assert db.session.get(Certification, older.id).vendor.legal_name in page


def test_queue_shows_a_download_link_and_no_inline_frame_for_pdfs(client, backbone, pending):
    cert, _owner = pending
    page = client.get("/backbone/verifications").get_data(as_text=True)
    assert f'href="/documents/{cert.document_id}"' in page
    assert "<iframe" not in page and "<object" not in page
    assert f"/backbone/verifications/{cert.id}/document" not in page
    assert client.get(f"/backbone/verifications/{cert.id}/document").status_code == 404


@pytest.mark.parametrize("data, mimetype", [(png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg")])
def test_image_certificate_is_previewed_inline_beside_the_claim(client, backbone, make_user, make_cert,
                                                                data, mimetype):
    owner = make_user("vendor")
    cert = make_cert(owner.vendor_id, status="pending", document=data)
    db.session.commit()
    page = client.get("/backbone/verifications").get_data(as_text=True)
    assert f'<img class="maxw-full border-1px border-base-lighter" src="/backbone/verifications/{cert.id}/document"' in page
    response = client.get(f"/backbone/verifications/{cert.id}/document")
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and body == data and response.mimetype == mimetype
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["officer", "vendor"])
def test_preview_is_for_the_backbone_only(client, login, make_user, make_cert, role, now):
    owner = make_user("vendor")
    cert = make_cert(owner.vendor_id, status="pending", document=png_bytes())
    db.session.commit()
    login(owner if role == "vendor" else make_user(role))
    assert client.get(f"/backbone/verifications/{cert.id}/document").status_code == 403


def test_verify_records_who_and_when_audits_and_emails_the_vendor(client, runner, backbone, pending, smtp_server):
    cert, owner = pending
    before = len(smtp_server["messages"])
    response = client.post(f"/backbone/verifications/{cert.id}/verify")
    assert response.status_code == 302
    cert = db.session.get(Certification, cert.id)
    assert (cert.status, cert.verified_by_id, cert.verified_at) == ("verified", backbone.id, NOW)
    [event] = events("certification.verified")
    assert (event.actor_user_id, event.actor_role, event.object_type, event.object_id) == (
        backbone.id, "backbone", "certification", str(cert.id))
    assert event.occurred_at == NOW and event.occurred_at.utcoffset() == timedelta(0)
    assert event.detail["vendor_id"] == owner.vendor_id
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    [mail] = smtp_server["messages"][before:]
    assert mail["To"] == "owner@vendor.example"
    assert mail["Subject"] == "Your SBE certification is verified"
    body = mail.get_payload(decode=True).decode()
    assert "Sunrise Janitorial LLC" in body and "2027-12-31" in body


def test_reject_needs_a_reason(client, backbone, pending):
    cert, _owner = pending
    response = client.post(f"/backbone/verifications/{cert.id}/reject", data={f"c{cert.id}-reason": "  "})
    assert response.status_code == 422
    assert "Give the reason; the vendor will read it." in response.get_data(as_text=True)
    assert db.session.get(Certification, cert.id).status == "pending"
    assert events("certification.rejected") == []


def test_reject_stores_the_reason_audits_and_emails_it(client, runner, backbone, pending, smtp_server):
    cert, owner = pending
    before = len(smtp_server["messages"])
    reason = "The certificate number could not be confirmed with the agency."
    response = client.post(f"/backbone/verifications/{cert.id}/reject", data={f"c{cert.id}-reason": reason})
    assert response.status_code == 302
    cert = db.session.get(Certification, cert.id)
    assert (cert.status, cert.rejection_reason, cert.verified_by_id) == ("rejected", reason, backbone.id)
    [event] = events("certification.rejected")
    assert event.actor_user_id == backbone.id and event.detail["reason"] == reason
    assert event.detail["vendor_id"] == owner.vendor_id and event.object_id == str(cert.id)
    runner.invoke(args=["outbox", "send"])
    [mail] = smtp_server["messages"][before:]
    assert mail["To"] == "owner@vendor.example" and "not verified" in mail["Subject"]
    assert reason in mail.get_payload(decode=True).decode()
    page = client.get("/backbone/verifications").get_data(as_text=True)
    assert "No certification is waiting for verification." in page


@pytest.mark.parametrize("first, second", [("verify", "verify"), ("verify", "reject"), ("reject", "verify")])
def test_deciding_twice_is_a_conflict_with_a_clear_message(client, backbone, pending, first, second):
    cert, _owner = pending
    data = {f"c{cert.id}-reason": "Wrong business."}
    assert client.post(f"/backbone/verifications/{cert.id}/{first}", data=data).status_code == 302
    response = client.post(f"/backbone/verifications/{cert.id}/{second}", data=data,
                           headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.json["message"].startswith("Only a certification waiting for verification can be")
    assert len(events("certification.verified") + events("certification.rejected")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_rejecting_a_decided_claim_without_a_reason_is_still_a_conflict(client, backbone, pending):
    cert, _owner = pending
    client.post(f"/backbone/verifications/{cert.id}/verify")
    assert client.post(f"/backbone/verifications/{cert.id}/reject", data={}).status_code == 409


@pytest.mark.parametrize("status", ["self_attested", "withdrawn", "rejected"])
def test_only_pending_claims_can_be_verified(client, backbone, make_user, make_cert, status):
    cert = make_cert(make_user("vendor").vendor_id, status=status)
    db.session.commit()
    assert client.post(f"/backbone/verifications/{cert.id}/verify").status_code == 409
    assert db.session.get(Certification, cert.id).status == status


@pytest.mark.parametrize("role", ["officer", "vendor"])
def test_officers_and_vendors_cannot_use_the_queue(client, login, make_user, pending, role):
    cert, owner = pending
    login(owner if role == "vendor" else make_user("officer"))  # the vendor tries its own claim
    assert client.get("/backbone/verifications").status_code == 403
    assert client.post(f"/backbone/verifications/{cert.id}/verify").status_code == 403
    assert client.post(f"/backbone/verifications/{cert.id}/reject", data={f"c{cert.id}-reason": "x"}).status_code == 403
    assert db.session.get(Certification, cert.id).status == "pending"
    assert events("certification.verified") == []


def test_service_refuses_a_decision_by_a_non_backbone_user(app, pending):
    cert, owner = pending
    with pytest.raises(NotAllowed):
        certs.verify(cert, actor=owner, now=clock.utcnow())


def test_verified_claim_counts_for_eligibility_from_effective_to_expiry(app, backbone, pending):
    from marketplace.vendors.eligibility import verified_certifications_on

    cert, owner = pending
    certs.verify(cert, actor=backbone, now=NOW)
    vendor = owner.vendor
    assert verified_certifications_on(vendor, date(2027, 12, 31), ("SBE",)) == [cert]
    assert verified_certifications_on(vendor, date(2028, 1, 1), ("SBE",)) == []


def test_unknown_claim_is_not_found(client, backbone):
    assert client.post("/backbone/verifications/999999/verify").status_code == 404


def test_queue_nav_link_is_shown_to_the_backbone(client, backbone):
    page = client.get("/backbone/verifications").get_data(as_text=True)
    assert 'href="/backbone/verifications"' in page and "Verify certifications" in page
