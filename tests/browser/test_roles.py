"""In a real browser: the home page, each role's login, navigation and logout, the mobile menu."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from marketplace.templating import NAV_LINKS
from tests.browser.conftest import accessibility_violations, assert_accessible, log_in, log_out

pytestmark = pytest.mark.browser

ORGANIZATION = {
    "vendor": "Delgado Clean",
    "officer": "Riverbend Health System",
    "backbone": "Riverbend Anchor Collaborative",
}


def _expected_nav(app, role: str) -> list[str]:
    return [label for endpoint, label in NAV_LINKS[role] if endpoint in app.view_functions]


def _nav(page):
    return page.get_by_role("navigation", name="Primary navigation")


def _is_final_document(page, response) -> bool:
    """The main frame's document response that is not a redirect."""
    request = response.request
    return request.is_navigation_request() and request.frame == page.main_frame and not 300 <= response.status < 400


def _follow_every_nav_link(page, labels: list[str], hrefs: list[str]) -> list[str]:
    """Click each header link in turn; report pages that fail, lose the current marker or axe.

    A link may redirect (say, to finish a profile first); the page it ends on must still load.
    """
    problems: list[str] = []
    for label, href in zip(labels, hrefs, strict=True):
        with page.expect_response(lambda r: _is_final_document(page, r)) as arrival:
            _nav(page).get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        status = arrival.value.status
        if status != 200:
            problems.append(f"{label} ({href}) ended on {page.url} with status {status}")
            continue
        if urlsplit(page.url).path == href:
            current = _nav(page).locator("[aria-current=page]")
            if current.count() != 1 or current.get_attribute("href") != href:
                problems.append(f"{label} ({href}) is not marked as the current page in the navigation")
        problems.extend(f"{label}: {line}" for line in accessibility_violations(page))
    return problems


def test_home_page_explains_the_marketplace_to_vendors_and_anchors(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("heading", name="For businesses").is_visible()
    assert page.get_by_role("heading", name="For anchor institutions").is_visible()
    assert page.get_by_role("heading", name="How it works").is_visible()
    assert _nav(page).get_by_role("link", name="Log in").is_visible()
    assert_accessible(page)


def test_every_public_nav_page_loads_and_is_accessible(page, live_server):
    page.goto("/")
    links = _nav(page).get_by_role("link")
    labels = [link.inner_text().strip() for link in links.all()]
    assert labels == _expected_nav(live_server.app, "anonymous")
    hrefs = [link.get_attribute("href") for link in links.all()]
    problems = _follow_every_nav_link(page, labels, hrefs)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["vendor", "officer", "backbone"])
def test_each_role_logs_in_sees_its_navigation_and_logs_out(page, live_server, accounts, role):
    log_in(page, accounts[role])
    assert page.url.endswith("/dashboard")
    assert ORGANIZATION[role] in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)

    links = _nav(page).get_by_role("link")
    labels = [link.inner_text().strip() for link in links.all()]
    assert labels == _expected_nav(live_server.app, role)
    hrefs = [link.get_attribute("href") for link in links.all()]

    problems = _follow_every_nav_link(page, labels, hrefs)
    assert problems == [], "\n".join(problems)

    log_out(page)
    assert page.get_by_text("You have logged out.").is_visible()
    assert _nav(page).get_by_role("link", name="Log in").is_visible()
    page.goto("/dashboard")
    assert re.search(r"/login\?next=", page.url)


def test_mobile_menu_opens_and_closes_at_375px(page, accounts):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, accounts["vendor"])
    menu_button = page.get_by_role("button", name="Menu")
    dashboard_link = _nav(page).get_by_role("link", name="Dashboard")
    assert menu_button.is_visible()
    assert not dashboard_link.is_visible()

    menu_button.click()
    assert dashboard_link.is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Close menu").click()
    assert not dashboard_link.is_visible()

    log_out(page)
    assert page.get_by_text("You have logged out.").is_visible()


def test_login_errors_are_announced_and_tied_to_the_field(page, accounts):
    log_in_page = page.goto("/login")
    assert log_in_page.status == 200
    page.get_by_label("Email").fill(accounts["vendor"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    password = page.get_by_label("Password")
    assert password.get_attribute("aria-invalid") == "true"
    error_id = password.get_attribute("aria-describedby")
    error = page.locator(f"#{error_id}")
    assert "do not match" in error.inner_text()
    assert "usa-error-message" in (error.get_attribute("class") or "")
    assert_accessible(page)


def test_error_pages_are_friendly_and_accessible(page, accounts):
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "Traceback" not in page.content()
    assert_accessible(page)

    log_in(page, accounts["vendor"])
    response = page.goto("/admin/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have access to this page"
    assert_accessible(page)
