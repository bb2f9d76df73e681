"""Throttling of the account forms: per IP and per submitted email, a friendly 429, no lockout."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace.security import limiter

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config) -> dict:
    """Rate limits on, with small budgets so a test reaches them quickly."""
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "6 per minute",
        "LOGIN_EMAIL_RATE_LIMIT": "3 per minute",
        "PASSWORD_FORGOT_RATE_LIMIT": "2 per minute",
        "PASSWORD_FORGOT_EMAIL_RATE_LIMIT": "10 per minute",
        "REGISTER_RATE_LIMIT": "2 per minute",
    }


@pytest.fixture(autouse=True)
def fresh_limits(app) -> Iterator[None]:
    """Each test starts and ends with empty counters, so no budget leaks into another test."""
    limiter.reset()
    yield
    limiter.reset()


def _from(ip: str) -> dict:
    return {"REMOTE_ADDR": ip}


def test_failed_logins_for_one_email_are_throttled_across_ips(client, make_user):
    user = make_user("vendor")
    for n in range(3):
        response = client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"},
                               environ_base=_from(f"10.0.0.{n}"))
        assert response.status_code == 200
    throttled = client.post("/login", data={"email": user.email, "password": PASSWORD},
                            environ_base=_from("10.0.0.99"))
    assert throttled.status_code == 429
    html = throttled.get_data(as_text=True)
    assert "Too many attempts" in html and "not locked" in html


def test_other_accounts_still_log_in_while_one_email_is_throttled(client, make_user):
    target, other = make_user("vendor"), make_user("vendor")
    for _ in range(3):
        client.post("/login", data={"email": target.email, "password": "wrong wrong wrong"})
    assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302


def test_successful_logins_do_not_use_up_the_per_email_budget(app, make_user):
    user = make_user("vendor")
    for n in range(5):
        device = app.test_client()
        response = device.post("/login", data={"email": user.email, "password": PASSWORD},
                               environ_base=_from(f"10.0.1.{n}"))
        assert response.status_code == 302


def test_one_ip_is_throttled_across_many_emails(client):
    statuses = [client.post("/login", data={"email": f"guess{n}@example.org", "password": "wrong wrong wrong"}
                            ).status_code for n in range(7)]
    assert statuses[:6] == [200] * 6 and statuses[6] == 429


def test_forgot_password_posts_are_throttled(client):
    statuses = [client.post("/password/forgot", data={"email": f"p{n}@example.org"}).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/password/forgot").status_code == 200


def test_register_posts_are_throttled(client):
    statuses = [client.post("/register", data={"legal_name": "", "email": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_throttled_json_clients_get_the_error_shape(client):
    for _ in range(2):
        client.post("/register", data={})
    response = client.post("/register", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 429 and response.get_json()["code"] == 429
