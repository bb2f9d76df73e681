"""Login and logout: generic failure message, audit, server-side sessions."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.auth.models import LoginSession

from tests.conftest import PASSWORD


def test_login_then_dashboard(client, make_user, login):
    user = make_user("officer")
    login(user)
    assert client.get("/dashboard").status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_message(client, make_user):
    user = make_user("vendor")
    wrong_password = client.post("/login", data={"email": user.email, "password": "not the password at all"})
    unknown_email = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 200
    message = "That email and password do not match an account."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)


def test_failed_login_is_audited(client, make_user):
    user = make_user("vendor")
    client.post("/login", data={"email": user.email, "password": "not the password at all"})
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "login.failed" in actions


def test_logout_revokes_the_server_session_so_a_copied_cookie_stops_working(app, client, make_user, login):
    user = make_user("backbone")
    login(user)
    stolen = client.get_cookie("session")
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user.id)).revoked_at
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    response = replay.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_ignores_offsite_next(client, make_user):
    user = make_user("vendor")
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_login_page_links_to_password_reset_and_registration(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in html and "Forgot your password?" in html
    assert 'href="/register"' in html and "Register your business" in html


def test_successful_login_and_logout_are_audited(client, make_user, login):
    user = make_user("vendor")
    login(user)
    client.post("/logout")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == str(user.id))).all()
    actions = [event.action for event in events]
    assert "login.succeeded" in actions and "logout" in actions


def test_vendor_nav_links_to_colleagues(client, make_user, login):
    login(make_user("vendor"))
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/account/colleagues"' in html and "Colleagues" in html
