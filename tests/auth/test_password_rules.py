"""Password rules (OWASP ASVS L2) wherever a password is set: length, common passwords, confirmation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.auth import services
from marketplace.auth.models import User
from marketplace.errors import DomainError

LONG_64 = "unrelated words " * 4
LONG_128 = ("correct horse battery staple " * 5)[:128]


def _register(client, password: str, confirm: str | None = None, email: str = "ana@example.org"):
    return client.post("/register", data={
        "legal_name": "Rivera Plumbing LLC", "name": "Ana", "email": email,
        "password": password, "confirm": password if confirm is None else confirm,
    })


@pytest.mark.parametrize("password", [LONG_64, LONG_128, "twelve chars"])
def test_passwords_from_12_to_128_characters_are_accepted(client, password):
    assert len(password) in (12, 64, 128)
    assert _register(client, password).status_code == 302


@pytest.mark.parametrize(("password", "message"), [
    ("eleven char", "Use at least 12 characters."),
    (LONG_128 + "x", "Use at most 128 characters."),
    ("password1234", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
])
def test_weak_passwords_are_refused_with_the_reason_on_the_field(client, password, message):
    response = _register(client, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in html and message in html
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is None


def test_every_broken_rule_is_shown(client):
    html = _register(client, "qwerty").get_data(as_text=True)
    assert "Use at least 12 characters." in html and "too common" in html


def test_confirmation_must_match(client):
    html = _register(client, LONG_64, LONG_64 + " ").get_data(as_text=True)
    assert 'id="confirm-error"' in html and "do not match" in html


def test_the_service_refuses_weak_passwords_too(app):
    with pytest.raises(DomainError) as caught:
        services.create_user(email="x@example.org", password="short", role="backbone")
    assert "password" in caught.value.errors
