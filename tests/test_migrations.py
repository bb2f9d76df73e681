"""Migrations: `upgrade head` on an empty database matches the models; `downgrade base` works."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace import migrate
from marketplace.db import make_engine
from marketplace.models import Base


def _fresh_url(database_url: str, tmp_path, suffix: str) -> str:
    """A new empty database next to the worker's one."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{suffix}.db'}"
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_head_on_empty_database_matches_models(database_url, tmp_path):
    url = _fresh_url(database_url, tmp_path, "mig_head")
    migrate.upgrade(url)
    assert _diff(url) == []
    assert set(Base.metadata.tables) <= _tables(url)


def test_downgrade_base_removes_every_table_and_upgrade_again_works(database_url, tmp_path):
    url = _fresh_url(database_url, tmp_path, "mig_down")
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert _tables(url) - {"alembic_version"} == set()
    migrate.upgrade(url)
    assert _diff(url) == []
