"""Vendor self-registration."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.auth.models import User
from marketplace.auth.registration import normalize_business_name
from marketplace.vendors.models import Vendor

from tests.auth.helpers import audit_actions
from tests.conftest import PASSWORD


def _form(**overrides) -> dict:
    data = {"legal_name": "Rivera Plumbing, L.L.C.", "name": "Ana Rivera", "email": "Ana@Rivera.example",
            "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return data


def test_registration_creates_vendor_and_user_and_logs_in(client, frozen_clock):
    from datetime import UTC, datetime

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    frozen_clock(now)
    response = client.post("/register", data=_form())
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.session.scalar(sa.select(User).where(User.email == "ana@rivera.example"))
    assert user.role == "vendor" and user.name == "Ana Rivera"
    vendor = db.session.get(Vendor, user.vendor_id)
    assert vendor.legal_name == "Rivera Plumbing, L.L.C."
    assert vendor.normalized_name == "rivera plumbing"
    assert vendor.created_at == vendor.updated_at == now
    assert client.get("/dashboard").status_code == 200
    assert "vendor.registered" in audit_actions()


def test_registration_with_an_existing_email_stores_nothing(client, make_user):
    existing = make_user("officer", email="ana@rivera.example")
    vendors_before = db.session.scalar(sa.select(sa.func.count()).select_from(Vendor))
    response = client.post("/register", data=_form(email="ANA@rivera.example"))
    assert response.status_code == 200
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == vendors_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == existing.email)) == 1
    assert "vendor.registered" not in audit_actions()


def test_registration_refuses_a_common_password_on_the_field(client):
    response = client.post("/register", data=_form(password="password1234", confirm="password1234"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in html and "too common" in html
    assert db.session.scalar(sa.select(User).where(User.email == "ana@rivera.example")) is None


def test_registration_needs_matching_confirmation(client):
    response = client.post("/register", data=_form(confirm=PASSWORD + "x"))
    assert "The two passwords do not match." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "ana@rivera.example")) is None


@pytest.mark.parametrize(("name", "normalized"), [
    ("Rivera Plumbing, L.L.C.", "rivera plumbing"),
    ("ACME Corp.", "acme"),
    ("Acme Holdings Co., Inc.", "acme holdings"),
    ("Smith & Jones Construction Company", "smith and jones construction"),
    ("Café Olé, LLC", "cafe ole"),
    ("Joe's Lawn-Care Incorporated", "joes lawn care"),
    ("Inc", "inc"),
])
def test_business_names_are_normalized_for_matching(name, normalized):
    assert normalize_business_name(name) == normalized
