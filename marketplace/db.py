"""Database plumbing: declarative base, column types, engine, scoped session, request commit."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, mapped_column, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """An instant stored in UTC; refuses naive datetimes, always returns aware UTC ones.

    SQLite drops offsets, so values are normalized to UTC before they are stored.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(sa.types.TypeDecorator):
    """Money as NUMERIC(14, 2), always a Decimal in Python."""

    impl = sa.Numeric(14, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal, not a float")
        return Decimal(value).quantize(Decimal("0.01"))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.01"))


intpk = Annotated[int, mapped_column(primary_key=True)]
utc_instant = Annotated[datetime, mapped_column(UTCDateTime())]
money = Annotated[Decimal, mapped_column(Money())]


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention shared with Alembic."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money()}


session = scoped_session(sessionmaker(expire_on_commit=False))
"""The app-wide session: one per request (or CLI command), removed at teardown."""


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and real SAVEPOINTs.

    pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL, so SQLite
    runs in driver autocommit mode and SQLAlchemy emits BEGIN itself (the documented recipe).
    BEGIN IMMEDIATE takes the write lock up front: concurrent writers then wait (busy timeout)
    instead of failing with "database is locked" when a read transaction tries to write.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


_engines: dict[str, sa.Engine] = {}


def engine_for(url: str) -> sa.Engine:
    """One engine (and pool) per database URL per process."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def init_app(app: Flask) -> None:
    """Bind the session to the configured database and commit once per request."""
    engine = engine_for(app.config["DATABASE_URL"])
    app.extensions["sqlalchemy_engine"] = engine
    session.configure(bind=engine)

    @app.after_request
    def _commit_or_rollback(response):
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response

    @app.teardown_appcontext
    def _remove_session(exc):
        session.remove()


def get_engine(app: Flask) -> sa.Engine:
    """Return the engine the app is bound to."""
    return app.extensions["sqlalchemy_engine"]


def dispose_engines() -> None:
    """Close every pooled connection (tests, forked workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
