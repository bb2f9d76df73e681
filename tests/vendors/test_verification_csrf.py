"""With CSRF protection on, the certification forms carry working tokens and refuse posts without them."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.vendors.models import Certification
from tests.conftest import PASSWORD
from tests.documents.samples import pdf_bytes
from tests.vendors.test_certifications import make_cert, now  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def tokens(html: str) -> dict[str, str]:
    """Every hidden CSRF field of a page: name -> value."""
    found = re.findall(r'name="([\w-]*csrf_token)" type="hidden" value="([^"]+)"', html)
    found += re.findall(r'type="hidden" name="([\w-]*csrf_token)" value="([^"]+)"', html)
    return dict(found)


def log_in(client, user) -> None:
    token = tokens(client.get("/login").get_data(as_text=True))["csrf_token"]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_backbone_decides_with_the_tokens_of_the_queue_page(client, make_user, make_cert, now):
    vendor_ids = [make_user("vendor").vendor_id for _ in range(2)]
    to_verify, to_reject = (make_cert(v, status="pending") for v in vendor_ids)
    db.session.commit()
    log_in(client, make_user("backbone"))
    page_tokens = tokens(client.get("/backbone/verifications").get_data(as_text=True))
    assert client.post(f"/backbone/verifications/{to_verify.id}/verify").status_code == 400
    assert client.post(f"/backbone/verifications/{to_verify.id}/verify",
                       data={"csrf_token": page_tokens["csrf_token"]}).status_code == 302
    field = f"c{to_reject.id}-"
    response = client.post(f"/backbone/verifications/{to_reject.id}/reject",
                           data={field + "reason": "Wrong business.",
                                 field + "csrf_token": page_tokens[field + "csrf_token"]})
    assert response.status_code == 302
    statuses = dict(db.session.execute(sa.select(Certification.id, Certification.status)).all())
    assert statuses == {to_verify.id: "verified", to_reject.id: "rejected"}


def test_vendor_adds_and_withdraws_with_tokens(client, make_user, now):
    user = make_user("vendor")
    db.session.commit()
    log_in(client, user)
    token = tokens(client.get("/vendor/certifications/new").get_data(as_text=True))["csrf_token"]
    data = {"type": "SBE", "agency": "SBA", "effective_on": "2026-01-01", "expires_on": "2027-01-01",
            "document": (io.BytesIO(pdf_bytes()), "c.pdf"), "csrf_token": token}
    assert client.post("/vendor/certifications/new", data=data, content_type="multipart/form-data").status_code == 302
    cert = db.session.scalar(sa.select(Certification).where(Certification.vendor_id == user.vendor_id))
    list_token = tokens(client.get("/vendor/certifications").get_data(as_text=True))["csrf_token"]
    assert client.post(f"/vendor/certifications/{cert.id}/withdraw").status_code == 400
    assert client.post(f"/vendor/certifications/{cert.id}/withdraw",
                       data={"csrf_token": list_token}).status_code == 302
    assert db.session.get(Certification, cert.id).status == "withdrawn"
