"""With CSRF protection on, the bid and opening forms carry their token and refuse a post without it."""
from __future__ import annotations

import re

import pytest

from marketplace import db
from marketplace.bids.models import Bid
from tests.conftest import PASSWORD
from tests.opportunities.view_helpers import T0, at, count, upload  # noqa: F401


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    return match.group(1) or match.group(2)


def _login(app, user):
    client = app.test_client()
    token = _token(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def test_bid_without_token_is_refused_and_with_the_pages_token_accepted(app, make_user, make_opportunity, at):
    opportunity = make_opportunity()
    vendor = make_user("vendor")
    db.session.commit()
    client = _login(app, vendor)
    path = f"/opportunities/{opportunity.id}/bid"
    data = {"amount": "100.00", "documents": [upload()]}
    assert client.post(path, data=data, content_type="multipart/form-data").status_code == 400
    assert count(Bid) == 0
    token = _token(client, path)
    response = client.post(path, data={"amount": "100.00", "documents": [upload()], "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and count(Bid) == 1


def test_follow_button_carries_the_token(app, make_user, make_opportunity, at):
    opportunity = make_opportunity()
    vendor = make_user("vendor")
    db.session.commit()
    client = _login(app, vendor)
    assert client.post(f"/opportunities/{opportunity.id}/follow").status_code == 400
    token = _token(client, f"/opportunities/{opportunity.id}")
    assert client.post(f"/opportunities/{opportunity.id}/follow", data={"csrf_token": token}).status_code == 302
