"""Fixtures: a migrated database per worker, an app per test, a rolled-back transaction per test.

The backend is SQLite unless TEST_BACKEND=postgresql, which needs TEST_DATABASE_URL (a
PostgreSQL database the tests may create sibling databases next to). A missing or
unreachable PostgreSQL is an error, never a skip.
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import clock, create_app, db, migrate
from marketplace.auth import services as auth_services
from marketplace.institutions.models import Collaborative, Institution, LocalRule

BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
PASSWORD = "correct horse battery staple 42"


def _postgres_url(worker: str) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        raise RuntimeError("TEST_BACKEND=postgresql needs TEST_DATABASE_URL")
    url = make_url(base)
    if url.get_backend_name() != "postgresql":
        raise RuntimeError(f"TEST_DATABASE_URL is not PostgreSQL: {base}")
    url = url.set(drivername="postgresql+psycopg")
    name = f"{url.database}_{worker}_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_name(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_name) -> Iterator[str]:
    """A database migrated to head through Alembic, one per test worker."""
    if BACKEND == "postgresql":
        url = _postgres_url(worker_name)
    elif BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        raise RuntimeError(f"unknown TEST_BACKEND {BACKEND!r}")
    migrate.upgrade(url)
    yield url
    db.dispose_engines()
    if BACKEND == "postgresql":
        _drop_postgres_databases(url)


def _drop_postgres_databases(url: str) -> None:
    """Drop the worker's database and any made next to it (migration tests)."""
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.scalars(
            sa.text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
            {"prefix": f"{parsed.database}%"},
        ).all()
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[dict]:
    """A real aiosmtpd server on a free port, collecting what it receives."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            from email import message_from_bytes

            received.append(message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield {"host": "127.0.0.1", "port": port, "messages": received}
    controller.stop()


@pytest.fixture
def app_config(tmp_path, database_url, smtp_server) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_SERVER": smtp_server["host"],
        "MAIL_PORT": smtp_server["port"],
    }


@pytest.fixture
def app(app_config) -> Iterator:
    """An app whose every request and command runs inside one transaction rolled back at the end."""
    application = create_app(app_config)
    engine = db.engine_for(app_config["DATABASE_URL"])
    connection = engine.connect()
    outer = connection.begin()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    with application.app_context():
        yield application
    db.session.remove()
    outer.rollback()
    connection.close()
    db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")
    clock.freeze(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze `clock.utcnow()`; call the fixture's value with an aware datetime."""
    yield clock.freeze
    clock.freeze(None)


@pytest.fixture
def collaborative(app) -> Collaborative:
    """The collaborative row with an empty region."""
    existing = db.session.scalar(sa.select(Collaborative))
    if existing:
        return existing
    rule = LocalRule(name="Region")
    collab = Collaborative(name="Test Anchor Collaborative", local_rule=rule, expiry_rule="strict")
    db.session.add(collab)
    db.session.flush()
    return collab


@pytest.fixture
def make_institution(app, collaborative) -> Callable[..., Institution]:
    counter = iter(range(1, 10_000))

    def make(**fields) -> Institution:
        n = next(counter)
        values = dict(slug=f"inst-{n}", name=f"Institution {n}", sector="health",
                      timezone="America/New_York", fiscal_year_start_month=7,
                      created_at=datetime.now(UTC))
        values.update(fields)
        inst = Institution(**values)
        db.session.add(inst)
        db.session.flush()
        return inst

    return make


@pytest.fixture
def make_vendor(app) -> Callable:
    from marketplace.vendors.models import Vendor

    counter = iter(range(1, 10_000))

    def make(**fields) -> Vendor:
        n = next(counter)
        now = datetime.now(UTC)
        values = dict(legal_name=f"Vendor {n} LLC", normalized_name=f"vendor {n}",
                      created_at=now, updated_at=now)
        values.update(fields)
        vendor = Vendor(**values)
        db.session.add(vendor)
        db.session.flush()
        return vendor

    return make


@pytest.fixture
def make_user(app, make_institution, make_vendor) -> Callable:
    """Create a user of a role; officers get an institution and vendors a business by default."""
    counter = iter(range(1, 10_000))

    def make(role: str = "vendor", **fields):
        n = next(counter)
        email = fields.pop("email", f"{role}{n}@example.org")
        if role == "officer" and "institution_id" not in fields:
            fields["institution_id"] = make_institution().id
        if role == "vendor" and "vendor_id" not in fields:
            fields["vendor_id"] = make_vendor().id
        return auth_services.create_user(email=email, password=PASSWORD, role=role, **fields)

    return make


@pytest.fixture
def login(client) -> Callable:
    """Log `user` in through the real login form."""

    def do(user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


class LiveServer:
    """The app served over real HTTP in a thread, for browser tests."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
