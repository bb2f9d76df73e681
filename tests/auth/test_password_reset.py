"""Forgotten passwords, reset links and changing one's password."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace import db
from marketplace.auth import resets
from marketplace.auth.models import LoginSession, PasswordResetToken
from marketplace.auth.passwords import verify_password
from marketplace.auth.tokens import hash_token
from marketplace.mail.models import OutboxMessage

from tests.auth.helpers import audit_actions, link_path, outbox_to
from tests.conftest import PASSWORD

NEW_PASSWORD = "violet kettle drums under moonlight"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def _live_sessions(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)))


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(client, make_user):
    user = make_user("vendor")
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert "If an account exists for that email" in known.get_data(as_text=True)
    assert len(outbox_to(user.email)) == 1 and outbox_to("nobody@example.org") == []


def test_reset_token_is_stored_hashed_and_expires(app, make_user, frozen_clock):
    frozen_clock(NOW)
    user = make_user("officer")
    token = resets.request_reset(user.email.upper())
    stored = db.session.scalar(sa.select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    assert stored.token_hash == hash_token(token)
    assert stored.expires_at == NOW + timedelta(minutes=app.config["PASSWORD_RESET_TTL_MINUTES"])
    assert f"/password/reset/{token}" in outbox_to(user.email)[0].body_text


def test_reset_sets_the_password_revokes_sessions_and_is_single_use(app, client, make_user, login):
    user = make_user("vendor")
    login(user)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _live_sessions(user) == 2
    token = resets.request_reset(user.email)
    anonymous = app.test_client()
    assert anonymous.get(f"/password/reset/{token}").status_code == 200
    response = anonymous.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert _live_sessions(user) == 0
    assert client.get("/dashboard").status_code == 302
    assert "password.reset" in audit_actions()
    again = anonymous.post(f"/password/reset/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert again.status_code == 410
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_expired_reset_link_changes_nothing(app, client, make_user, frozen_clock):
    frozen_clock(NOW)
    user = make_user("vendor")
    token = resets.request_reset(user.email)
    db.session.commit()
    frozen_clock(NOW + timedelta(minutes=app.config["PASSWORD_RESET_TTL_MINUTES"]))
    response = client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_unknown_reset_token_is_404(client):
    assert client.get("/password/reset/not-a-token").status_code == 404


def test_reset_applies_the_password_rules(client, make_user):
    user = make_user("vendor")
    token = resets.request_reset(user.email)
    response = client.post(f"/password/reset/{token}", data={"password": "password1234", "confirm": "password1234"})
    assert response.status_code == 200 and "too common" in response.get_data(as_text=True)
    assert verify_password(user.password_hash, PASSWORD)


def test_a_reset_spends_every_outstanding_link(client, make_user):
    user = make_user("vendor")
    first = resets.request_reset(user.email)
    second = resets.request_reset(user.email)
    client.post(f"/password/reset/{second}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(f"/password/reset/{first}").status_code == 410


def test_change_password_needs_the_current_one(client, make_user, login):
    user = make_user("backbone")
    login(user)
    wrong = client.post("/account/password", data={"current_password": "not my password at all",
                                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 200 and "The current password is not correct." in wrong.get_data(as_text=True)
    assert verify_password(user.password_hash, PASSWORD)


def test_change_password_keeps_this_session_and_logs_out_the_others(app, client, make_user, login):
    user = make_user("officer")
    login(user)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _live_sessions(user) == 2
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert client.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302
    assert "password.changed" in audit_actions()
    assert db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_address == user.email, OutboxMessage.subject.contains("password was changed")))


def test_reset_email_link_leads_to_the_reset_form(client, make_user):
    user = make_user("vendor")
    client.post("/password/forgot", data={"email": user.email})
    path = link_path(outbox_to(user.email)[0].body_text, "/password/reset/")
    assert client.get(path).status_code == 200
