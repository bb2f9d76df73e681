"""With CSRF protection on, account forms posted without the token are refused and change nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.auth.models import LoginSession, User

from tests.auth.helpers import audit_actions
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                     html).group(1) or ""


def test_login_without_token_is_refused(client, make_user):
    user = make_user("vendor")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302
    assert db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user.id)) is None


def test_register_without_token_is_refused(client):
    response = client.post("/register", data={"legal_name": "Rivera LLC", "name": "Ana",
                                              "email": "ana@example.org", "password": PASSWORD,
                                              "confirm": PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is None


def test_logout_without_token_is_refused_and_keeps_the_session(client, make_user):
    user = make_user("vendor")
    db.session.commit()
    token = _token(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 200
    assert db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user.id)).revoked_at is None
    assert "logout" not in audit_actions()
