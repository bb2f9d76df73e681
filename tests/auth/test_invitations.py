"""Invitations: single-use, expiring, hashed tokens; role rules; the accept page; colleagues."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.auth import invitations
from marketplace.auth.models import Invitation, User
from marketplace.auth.tokens import hash_token
from marketplace.errors import DomainError, NotAllowed

from tests.auth.helpers import audit_actions, link_path, outbox_to
from tests.conftest import PASSWORD

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def _accept_form(**overrides) -> dict:
    data = {"name": "Olga Officer", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return data


def test_invite_stores_only_the_token_hash_and_emails_the_link(app, make_user, make_institution, frozen_clock):
    frozen_clock(NOW)
    backbone = make_user("backbone")
    institution = make_institution()
    invitation, token = invitations.invite("Olga@Example.org", "officer", institution_id=institution.id,
                                           invited_by=backbone)
    assert invitation.email == "olga@example.org"
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert invitation.expires_at == NOW + timedelta(hours=app.config["INVITATION_TTL_HOURS"])
    [message] = outbox_to("olga@example.org")
    assert f"{app.config['BASE_URL']}/invitations/{token}" in message.body_text
    assert "invitation.created" in audit_actions()


@pytest.mark.parametrize(("role", "scope", "allowed"), [
    ("officer", {}, False),
    ("officer", {"institution": True}, True),
    ("officer", {"institution": True, "vendor": True}, False),
    ("backbone", {}, True),
    ("backbone", {"institution": True}, False),
    ("vendor", {}, False),
    ("vendor", {"vendor": True}, True),
    ("vendor", {"institution": True}, False),
])
def test_invitation_role_needs_its_organization(make_user, make_institution, make_vendor, role, scope, allowed):
    backbone = make_user("backbone")
    kwargs = {}
    if scope.get("institution"):
        kwargs["institution_id"] = make_institution().id
    if scope.get("vendor"):
        kwargs["vendor_id"] = make_vendor().id
    if allowed:
        invitation, _ = invitations.invite("new@example.org", role, invited_by=backbone, **kwargs)
        assert invitation.role == role
    else:
        with pytest.raises(DomainError):
            invitations.invite("new@example.org", role, invited_by=backbone, **kwargs)


def test_inviting_an_email_that_has_an_account_is_refused(make_user, make_institution):
    backbone = make_user("backbone")
    existing = make_user("vendor")
    with pytest.raises(DomainError):
        invitations.invite(existing.email.upper(), "officer", institution_id=make_institution().id,
                           invited_by=backbone)


def test_reinviting_revokes_the_pending_invitation(client, make_user, make_institution):
    backbone = make_user("backbone")
    institution = make_institution()
    first, first_token = invitations.invite("olga@example.org", "officer", institution_id=institution.id,
                                            invited_by=backbone)
    second, second_token = invitations.invite("olga@example.org", "officer", institution_id=institution.id,
                                              invited_by=backbone)
    assert first.revoked_at is not None and second.revoked_at is None
    db.session.commit()  # an error response rolls back whatever the test has not committed
    assert client.get(f"/invitations/{first_token}").status_code == 410
    assert client.get(f"/invitations/{second_token}").status_code == 200


def test_a_vendor_may_invite_only_to_their_own_business(make_user, make_vendor, make_institution):
    vendor_user = make_user("vendor")
    with pytest.raises(NotAllowed):
        invitations.invite("x@example.org", "vendor", vendor_id=make_vendor().id, invited_by=vendor_user)
    with pytest.raises(NotAllowed):
        invitations.invite("x@example.org", "officer", institution_id=make_institution().id,
                           invited_by=vendor_user)


def test_accepting_creates_the_account_logs_in_and_spends_the_token(client, make_user, make_institution):
    backbone = make_user("backbone")
    institution = make_institution()
    _, token = invitations.invite("olga@example.org", "officer", institution_id=institution.id,
                                  invited_by=backbone)
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200 and "olga@example.org" in page.get_data(as_text=True)
    response = client.post(f"/invitations/{token}", data=_accept_form())
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "olga@example.org"))
    assert user.role == "officer" and user.institution_id == institution.id and user.name == "Olga Officer"
    assert client.get("/dashboard").status_code == 200
    assert "invitation.accepted" in audit_actions()
    client.post("/logout")
    again = client.post(f"/invitations/{token}", data=_accept_form())
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_accept_service_creates_the_user_once(make_user, make_vendor):
    vendor = make_vendor()
    _, token = invitations.invite("col@example.org", "vendor", vendor_id=vendor.id, invited_by=make_user("backbone"))
    user = invitations.accept(token, "Colleague", PASSWORD)
    assert user.vendor_id == vendor.id and user.role == "vendor"
    with pytest.raises(invitations.InvitationUnusable):
        invitations.accept(token, "Colleague", PASSWORD)


def test_expired_invitation_creates_nothing(client, make_user, make_institution, frozen_clock, app):
    frozen_clock(NOW)
    _, token = invitations.invite("olga@example.org", "officer", institution_id=make_institution().id,
                                  invited_by=make_user("backbone"))
    db.session.commit()
    frozen_clock(NOW + timedelta(hours=app.config["INVITATION_TTL_HOURS"]))
    response = client.post(f"/invitations/{token}", data=_accept_form())
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "olga@example.org")) is None


def test_unknown_invitation_token_is_404(client):
    response = client.post("/invitations/not-a-real-token", data=_accept_form())
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_accept_form_applies_the_password_rules(client, make_user, make_vendor):
    _, token = invitations.invite("col@example.org", "vendor", vendor_id=make_vendor().id,
                                  invited_by=make_user("backbone"))
    response = client.post(f"/invitations/{token}", data=_accept_form(password="short", confirm="short"))
    assert response.status_code == 200 and "Use at least 12 characters." in response.get_data(as_text=True)
    same_as_email = client.post(f"/invitations/{token}",
                                data=_accept_form(password="col@example.org", confirm="col@example.org"))
    assert "Do not use your email address" in same_as_email.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "col@example.org")) is None


def test_vendor_invites_a_colleague_who_joins_the_same_business(app, client, make_user, login):
    owner = make_user("vendor", name="Owner")
    login(owner)
    page = client.get("/account/colleagues")
    assert page.status_code == 200 and owner.email in page.get_data(as_text=True)
    response = client.post("/account/colleagues", data={"email": "colleague@example.org"})
    assert response.status_code == 302
    listing = client.get("/account/colleagues").get_data(as_text=True)
    assert "colleague@example.org" in listing and "Pending invitations" in listing
    path = link_path(outbox_to("colleague@example.org")[0].body_text, "/invitations/")
    client.post("/logout")
    newcomer = app.test_client()
    assert newcomer.post(path, data=_accept_form(name="New Colleague")).status_code == 302
    colleague = db.session.scalar(sa.select(User).where(User.email == "colleague@example.org"))
    assert colleague.vendor_id == owner.vendor_id and colleague.role == "vendor"


def test_colleague_invitation_to_an_existing_account_shows_on_the_field(client, make_user, login):
    owner = make_user("vendor")
    other = make_user("officer")
    login(owner)
    response = client.post("/account/colleagues", data={"email": other.email})
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Invitation).where(Invitation.email == other.email)) is None


def test_vendor_withdraws_an_invitation_and_its_link_stops_working(client, make_user, login):
    owner = make_user("vendor")
    login(owner)
    client.post("/account/colleagues", data={"email": "colleague@example.org"})
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "colleague@example.org"))
    path = link_path(outbox_to("colleague@example.org")[0].body_text, "/invitations/")
    assert client.post(f"/account/colleagues/invitations/{invitation.id}/withdraw").status_code == 302
    assert client.get(path).status_code == 410


def test_vendor_cannot_withdraw_another_business_invitation(client, make_user, make_vendor, login):
    other_vendor = make_vendor()
    invitation, _ = invitations.invite("x@example.org", "vendor", vendor_id=other_vendor.id,
                                       invited_by=make_user("backbone"))
    login(make_user("vendor"))
    assert client.post(f"/account/colleagues/invitations/{invitation.id}/withdraw").status_code == 404
    db.session.refresh(invitation)
    assert invitation.revoked_at is None
