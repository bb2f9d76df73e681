"""Matching pages over HTTP: who may use each route, saving searches, unsubscribing, inviting, recommendations."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.mail.models import OutboxMessage
from marketplace.matching import alerts
from marketplace.opportunities.models import OpportunityInvitation
from marketplace.search.models import SavedSearch
from marketplace.search.query import OpportunityQuery
from tests.conftest import PASSWORD
from tests.matching.conftest import NOW


@pytest.fixture
def clock_at_now(frozen_clock):
    frozen_clock(NOW)


@pytest.fixture
def client_for(app, clock_at_now):
    def make(user):
        client = app.test_client()
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        return client
    return make


@pytest.fixture
def world(officer, make_user, make_business, make_opportunity):
    """An open opportunity, a draft, a matching local vendor with a user and a saved search, and the others."""
    vendor = make_business("Delgado Clean LLC", naics=["561720"], capability="Janitorial crews",
                           county="Broward", zip_code="33301")
    maria = make_user("vendor", vendor_id=vendor.id, email="maria@delgado.example.org")
    search = alerts.save_search(maria, OpportunityQuery(text="janitorial"), name="Cleaning", alert_mode="instant",
                                now=NOW)
    return {
        "open": make_opportunity(title="Janitorial services", naics=["561720"]),
        "draft": make_opportunity(title="Janitorial services, draft", naics=["561720"], publish=False),
        "vendor": vendor, "search": search,
        "users": {"vendor": maria, "officer": officer, "other officer": make_user("officer"),
                  "other vendor": make_user("vendor"), "backbone": make_user("backbone")},
    }


def test_access_matrix_of_every_matching_route(app, world, client_for):
    o, d, v, s = world["open"].id, world["draft"].id, world["vendor"].id, world["search"]
    clients = {"anonymous": app.test_client(), **{k: client_for(u) for k, u in world["users"].items()}}
    # (method, path, data): expected status per role; 302 for anonymous means "to the login page"
    routes = [
        ("GET", "/recommended", None, dict(anonymous=302, vendor=200, officer=403, backbone=403)),
        ("GET", "/saved-searches", None, dict(anonymous=302, vendor=200, officer=403, backbone=403)),
        ("GET", f"/saved-searches/{s.id}/run", None,
         {"anonymous": 302, "vendor": 302, "other vendor": 404, "officer": 403, "backbone": 403}),
        ("POST", f"/saved-searches/{s.id}", {f"s{s.id}-name": "Renamed", f"s{s.id}-alert_mode": "daily"},
         {"anonymous": 302, "other vendor": 404, "officer": 403, "backbone": 403}),
        ("POST", f"/saved-searches/{s.id}/delete", {},
         {"anonymous": 302, "other vendor": 404, "officer": 403, "backbone": 403}),
        ("POST", "/saved-searches", {"name": "x", "alert_mode": "off", "query": "{}"},
         dict(anonymous=302, officer=403, backbone=403)),
        ("GET", f"/manage/opportunities/{o}/suggested-vendors", None,
         {"anonymous": 302, "vendor": 403, "officer": 200, "other officer": 404, "backbone": 403}),
        ("GET", f"/manage/opportunities/{d}/suggested-vendors", None,
         {"vendor": 403, "officer": 200, "other officer": 404}),
        ("POST", f"/manage/opportunities/{o}/invitations/{v}", {},
         {"anonymous": 302, "vendor": 403, "other officer": 404, "backbone": 403}),
        ("GET", f"/alerts/unsubscribe/{s.unsubscribe_token}", None,
         {"anonymous": 200, "vendor": 200, "other vendor": 200, "officer": 200, "backbone": 200}),
        ("GET", "/alerts/unsubscribe/not-a-token", None, {"anonymous": 404, "vendor": 404}),
    ]
    failures = []
    for method, path, data, expected in routes:
        for role, status in expected.items():
            response = clients[role].open(path, method=method, data=data)
            if response.status_code != status or (status == 302 and role == "anonymous"
                                                   and "/login" not in response.headers["Location"]):
                failures.append((method, path, role, response.status_code, status))
    assert failures == []
    assert db.session.get(SavedSearch, s.id).name == "Cleaning"  # nobody else changed it


def test_a_vendor_saves_the_search_shown_on_the_search_page(world, client_for):
    client = client_for(world["users"]["other vendor"])
    page = client.get("/search/opportunities?q=janitorial&naics=5617&set_aside=none&filtered=1").get_data(as_text=True)
    assert "Save this search" in page
    payload = json.loads(re.search(r'name="query" type="hidden" value="([^"]*)"', page).group(1).replace("&#34;", '"'))

    response = client.post("/saved-searches", data={"name": "Cleaning in 5617", "alert_mode": "daily",
                                                     "query": json.dumps(payload)})

    assert response.status_code == 302 and response.headers["Location"].endswith("/saved-searches")
    saved = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.name == "Cleaning in 5617"))
    assert (saved.alert_mode, saved.query["text"], saved.query["naics"], saved.query["set_asides"]) == (
        "daily", "janitorial", ["5617"], ["none"])
    listing = client.get("/saved-searches").get_data(as_text=True)
    assert "Cleaning in 5617" in listing and "In a daily digest" in listing


def test_saving_without_a_name_shows_the_form_again(world, client_for):
    response = client_for(world["users"]["vendor"]).post(
        "/saved-searches", data={"name": " ", "alert_mode": "instant", "query": "{}"})
    assert response.status_code == 422
    assert "Enter a name for this search." in response.get_data(as_text=True)


def test_only_vendors_see_the_save_form(app, world, client_for):
    assert "Save this search" not in client_for(world["users"]["officer"]).get("/search/opportunities?q=x").get_data(as_text=True)
    anonymous = app.test_client().get("/search/opportunities?q=x").get_data(as_text=True)
    assert "Save this search" not in anonymous and "to save this search" in anonymous


def test_rename_change_mode_run_and_delete(world, client_for):
    client, s = client_for(world["users"]["vendor"]), world["search"]

    assert client.post(f"/saved-searches/{s.id}", data={f"s{s.id}-name": "Floors",
                                                        f"s{s.id}-alert_mode": "off"}).status_code == 302
    assert (s.name, s.alert_mode) == ("Floors", "off")
    run = client.get(f"/saved-searches/{s.id}/run")
    assert run.status_code == 302 and "/search/opportunities?" in run.headers["Location"] and "q=janitorial" in run.headers["Location"]
    assert client.post(f"/saved-searches/{s.id}/delete").status_code == 302
    assert db.session.get(SavedSearch, s.id) is None


def test_unsubscribe_without_logging_in_asks_first_then_turns_alerts_off(app, world):
    client, s = app.test_client(), world["search"]

    page = client.get(f"/alerts/unsubscribe/{s.unsubscribe_token}")
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert s.alert_mode == "instant"  # a mail client prefetching the link changes nothing

    done = client.post(f"/alerts/unsubscribe/{s.unsubscribe_token}")
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert db.session.get(SavedSearch, s.id).alert_mode == "off"
    assert client.post("/alerts/unsubscribe/wrong-token").status_code == 404


def test_officer_sees_suggested_vendors_and_invites_one(world, client_for):
    client, opportunity, vendor = client_for(world["users"]["officer"]), world["draft"], world["vendor"]
    page = client.get(f"/manage/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Suggested vendors" in page
    assert "NAICS 561720 · local to Broward County · mentions &#39;janitorial&#39;" in page

    response = client.post(f"/manage/opportunities/{opportunity.id}/invitations/{vendor.id}")

    assert response.status_code == 302
    assert db.session.scalar(sa.select(OpportunityInvitation.vendor_id)) == vendor.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The email goes out when you publish this opportunity." in page and "Invited" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.like("Invitation%"))) == 0


def test_vendor_dashboard_recommends_with_reasons(world, client_for):
    page = client_for(world["users"]["vendor"]).get("/dashboard").get_data(as_text=True)
    assert "Recommended for you" in page
    assert "Janitorial services" in page and "Janitorial services, draft" not in page
    assert "NAICS 561720 · local to Broward County · mentions &#39;janitorial&#39;" in page
