"""A database seeded once for the read-only tests of this folder (the seed takes seconds)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import clock, create_app, db, migrate

SEED = 7


def _sibling_database(url: str, suffix: str, tmp_path_factory) -> str:
    """A new empty database next to the worker's (dropped with it at the end of the session)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}"
    name = f"{parsed.database}_{suffix}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def seeded_url(database_url, tmp_path_factory) -> str:
    """A migrated database holding the small demo (seed 7), committed."""
    url = _sibling_database(database_url, "seeded", tmp_path_factory)
    migrate.upgrade(url)
    application = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
    with application.app_context():
        from marketplace.seed import services

        services.seed_demo(seed=SEED)
        db.session.commit()
        db.session.remove()
    return url


@pytest.fixture
def seeded(app_config, seeded_url) -> Iterator[sa.Connection]:
    """A read-only connection to the seeded database, inside an app bound to it."""
    application = create_app(dict(app_config, DATABASE_URL=seeded_url))
    with application.app_context(), db.engine_for(seeded_url).connect() as conn:
        yield conn
        conn.rollback()
    db.session.remove()
    clock.freeze(None)
