"""Browser tests: Debian's Chromium driven by Playwright against the app served over real HTTP.

The normal `app` fixture runs each test inside one rolled-back transaction on one connection,
which a server thread cannot share. So `live_server` builds its own app on its own freshly
migrated database (a SQLite file, or a new PostgreSQL database when TEST_BACKEND=postgresql),
with CSRF on and rate limits off, and serves it with werkzeug in a thread. Data is seeded
through the service functions and committed. A missing Chromium is an error, never a skip.

Helpers for tests: `log_in(page, email, password)`, `log_out(page)`, `assert_accessible(page)`;
for the journeys also `follow_nav`, `submit_form` and `tick`.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import Flask

from marketplace import create_app, db, migrate
from marketplace.auth import services as auth_services
from tests.conftest import BACKEND, PASSWORD, LiveServer, _drop_postgres_databases, _postgres_url

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERIOUS_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    """The Chromium to drive: $CHROMIUM_PATH or Debian's /usr/bin/chromium; raise if missing."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"Chromium not found at {path!r}: install Debian's `chromium` package or set CHROMIUM_PATH. "
            "Browser tests fail rather than skip without it."
        )
    return path


@dataclass
class Live:
    """A running server: its URL, its app (for seeding in `app.app_context()`) and its database."""

    app: Flask
    url: str
    database_url: str
    accounts: dict[str, str] = field(default_factory=dict)

    def bind(self) -> None:
        """Point the shared scoped session at this server's database (other tests re-point it)."""
        db.session.remove()
        db.session.configure(bind=db.engine_for(self.database_url))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, worker_name, smtp_server) -> Iterator[Live]:
    """The app on its own fresh database, served over HTTP in a thread for this test module."""
    if BACKEND == "postgresql":
        url = _postgres_url(f"{worker_name}_live")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    migrate.upgrade(url)
    tmp = tmp_path_factory.mktemp("live-files")
    db.session.remove()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-test-secret",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_SERVER": smtp_server["host"],
            "MAIL_PORT": smtp_server["port"],
        }
    )
    server = LiveServer(app)
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)  # one line per static file drowns the failure output
    with server:
        yield Live(app=app, url=server.url, database_url=url)
    request_log.setLevel(level)
    server.server.server_close()
    server.thread.join(timeout=5)
    db.session.remove()
    db.engine_for(url).dispose()
    if BACKEND == "postgresql":
        _drop_postgres_databases(url)


@pytest.fixture(autouse=True)
def _bind_session_to_live_server(request) -> None:
    """Each browser test starts with the shared session bound to its module's live database."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("live_server").bind()


@pytest.fixture(scope="module")
def accounts(live_server) -> dict[str, str]:
    """One user per role (vendor with a business, officer with an institution, backbone) → email."""
    from marketplace.institutions.models import Collaborative, Institution, LocalRule
    from marketplace.vendors.models import Vendor

    live_server.bind()
    now = datetime.now(UTC)
    with live_server.app.app_context():
        collaborative = Collaborative(
            name="Riverbend Anchor Collaborative",
            backbone_name="Riverbend Community Foundation",
            local_rule=LocalRule(name="Riverbend region"),
            expiry_rule="strict",
        )
        institution = Institution(
            slug="riverbend-health", name="Riverbend Health System", sector="health",
            timezone="America/Chicago", fiscal_year_start_month=7, created_at=now,
        )
        vendor = Vendor(
            legal_name="Delgado Facility Services LLC", dba="Delgado Clean", normalized_name="delgado facility services",
            created_at=now, updated_at=now,
        )
        db.session.add_all([collaborative, institution, vendor])
        db.session.flush()
        emails = {
            "vendor": "maria@delgado.example.org",
            "officer": "pat.officer@riverbend-health.example.org",
            "backbone": "sam@riverbend-foundation.example.org",
        }
        auth_services.create_user(email=emails["vendor"], password=PASSWORD, role="vendor",
                                  name="Maria Delgado", vendor_id=vendor.id)
        auth_services.create_user(email=emails["officer"], password=PASSWORD, role="officer",
                                  name="Pat Okafor", institution_id=institution.id)
        auth_services.create_user(email=emails["backbone"], password=PASSWORD, role="backbone",
                                  name="Sam Rivera")
        db.session.commit()
    live_server.accounts.update(emails)
    return emails


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium per test process."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context (no cookies) on the live server; fails on CSP or script errors."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}")
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    tab.on(
        "response",
        lambda response: problems.append(f"{response.status} for {response.url}")
        if response.status >= 400 and response.request.resource_type != "document"
        else None,
    )
    yield tab
    context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login form and wait to leave it."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page) -> None:
    """Log out with the header's button (opening the mobile menu first on narrow screens)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def accessibility_violations(page) -> list[str]:
    """Run axe-core on the page; describe each serious or critical violation, one line per node."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines: list[str] = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in SERIOUS_IMPACTS:
            continue
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} on {page.url}")
        for node in violation["nodes"][:5]:
            target = ", ".join(str(t) for t in node["target"])
            summary = "; ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return lines


def assert_accessible(page) -> None:
    """Fail on any serious or critical axe-core violation on the page, listing them readably."""
    lines = accessibility_violations(page)
    if lines:
        pytest.fail("Accessibility violations (serious/critical):\n" + "\n".join(lines), pytrace=False)


# --- helpers for the end-to-end journeys -----------------------------------------------------


def follow_nav(page, label: str) -> None:
    """Follow a link of the header's primary navigation and wait for the page."""
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def submit_form(page, button: str | re.Pattern, scope=None) -> None:
    """Press a submit button (a string matches its whole name) and wait for the page the form leads to."""
    with page.expect_navigation():
        (scope or page).get_by_role("button", name=button, exact=isinstance(button, str)).click()
    page.wait_for_load_state()


def tick(scope, label: str) -> None:
    """Tick a USWDS radio or checkbox by clicking its label, as a person does (the input is styled away)."""
    scope.locator("label", has_text=label).click()
    assert scope.get_by_label(label).is_checked()
