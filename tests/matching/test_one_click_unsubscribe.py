"""One-click unsubscribe (RFC 8058): alert emails carry List-Unsubscribe headers, and the mail
client's POST works without a session or a CSRF token while CSRF protection is on."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from marketplace import db
from marketplace.mail.services import deliver_pending
from marketplace.matching import alerts
from marketplace.search.models import SavedSearch
from marketplace.search.query import OpportunityQuery
from tests.matching.conftest import NOW


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_alert_emails_offer_one_click_unsubscribe_that_needs_no_session(app, make_user, make_opportunity,
                                                                        smtp_server):
    maria = make_user("vendor", email="maria.oneclick@delgado.example.org", name="Maria")
    search = alerts.save_search(maria, OpportunityQuery(text="janitorial"), name="Cleaning", alert_mode="instant",
                                now=NOW - timedelta(hours=2))
    make_opportunity(title="Janitorial services")
    db.session.commit()

    deliver_pending(app.config)
    [email] = [m for m in smtp_server["messages"] if m["To"] == maria.email]
    url = alerts.one_click_unsubscribe_url(search)
    assert email["List-Unsubscribe"] == f"<{url}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = urlsplit(url).path
    assert path == f"/alerts/unsubscribe/{search.unsubscribe_token}/one-click"

    client = app.test_client()  # no cookies, no CSRF token: what a mail provider sends
    refused = client.post(path, data={"other": "x"})
    assert refused.status_code == 400 and db.session.get(SavedSearch, search.id).alert_mode == "instant"
    assert client.post("/alerts/unsubscribe/not-a-token/one-click",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 404
    # The page's own form still needs its CSRF token.
    assert client.post(f"/alerts/unsubscribe/{search.unsubscribe_token}").status_code == 400

    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "unsubscribed" in done.get_data(as_text=True)
    assert db.session.get(SavedSearch, search.id).alert_mode == "off"
