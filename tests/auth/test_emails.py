"""Invitation and reset emails really reach an SMTP server, and their links work."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import db
from marketplace.auth import invitations
from marketplace.auth.models import User

from tests.auth.helpers import link_path
from tests.conftest import PASSWORD


def _delivered_to(smtp_server, address: str):
    messages = [m for m in smtp_server["messages"] if m["To"] == address]
    assert messages, f"nothing delivered to {address}"
    return messages[-1]


def _body(email) -> str:
    return email.get_payload(decode=True).decode(email.get_content_charset() or "utf-8")


def test_invitation_email_arrives_and_its_link_creates_the_account(client, runner, smtp_server, make_user,
                                                                   make_institution):
    institution = make_institution(name="Mercy Hospital")
    invitations.invite("olga.mail@example.org", "officer", institution_id=institution.id,
                       invited_by=make_user("backbone"))
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    email = _delivered_to(smtp_server, "olga.mail@example.org")
    assert "Mercy Hospital" in email["Subject"]
    path = link_path(_body(email), "/invitations/")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"name": "Olga", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "olga.mail@example.org"))
    assert user.institution_id == institution.id


def test_reset_email_arrives_and_its_link_sets_the_password(client, runner, smtp_server, make_user):
    user = make_user("vendor", email="forgetful.mail@example.org")
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    email = _delivered_to(smtp_server, user.email)
    path = link_path(_body(email), "/password/reset/")
    new_password = "seven orange lanterns drifting"
    response = client.post(path, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": new_password}).status_code == 302
