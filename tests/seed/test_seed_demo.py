"""`flask seed-demo` and `flask demo-logins`: determinism, --if-empty, refusals, working logins."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa

from marketplace import db
from marketplace.auth import services as auth_services
from marketplace.db import Base
from marketplace.institutions.models import Institution
from marketplace.seed import services

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
# The password hash is salted per run, and the audit event takes its id from a PostgreSQL
# sequence, which a rollback does not rewind; everything else must repeat exactly.
VARYING_COLUMNS = {("users", "password_hash"), ("audit_events", "id")}


def digest(tables: list[str]) -> str:
    """A SHA-256 over every row of `tables` (those the seed wrote), in primary-key order."""
    hasher = hashlib.sha256()
    for name in sorted([*tables, "audit_events"]):
        table = Base.metadata.tables[name]
        columns = [c for c in table.columns if (table.name, c.name) not in VARYING_COLUMNS]
        rows = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
        hasher.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
    return hasher.hexdigest()


def test_the_same_seed_gives_identical_data_and_another_seed_differs(app):
    tables = list(services.seed_demo(seed=11, now=NOW))
    first = digest(tables)
    db.session.rollback()
    services.seed_demo(seed=11, now=NOW)
    again = digest(tables)
    db.session.rollback()
    services.seed_demo(seed=12, now=NOW)
    other = digest(tables)
    assert len(tables) >= 20
    assert first == again
    assert other != first


def test_if_empty_seeds_an_empty_database_and_is_a_no_op_the_second_time(app, runner):
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Seeded the demo collaborative" in first.output
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(t)))
              for t in ("institutions", "vendors", "opportunities", "spend_lines")]
    second = runner.invoke(args=["seed-demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "nothing seeded" in second.output
    assert counts == [db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(t)))
                      for t in ("institutions", "vendors", "opportunities", "spend_lines")]


def test_seed_demo_without_if_empty_refuses_a_database_that_has_a_collaborative(app, runner, collaborative):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "already holds a collaborative" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0


def test_seed_demo_refuses_to_run_in_production(app, runner):
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "not in production" in result.output
    assert not services.has_institutions()


def test_demo_logins_print_nothing_before_the_demo_is_seeded(app, runner):
    result = runner.invoke(args=["demo-logins"])
    assert result.exit_code == 0
    assert "@demo.anchor.test" not in result.output


def test_demo_logins_print_one_login_per_role_whose_password_authenticates(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    output = runner.invoke(args=["demo-logins"]).output
    logins = [line.split() for line in output.splitlines() if "@demo.anchor.test" in line]
    assert [(role, email, password) for role, email, _label, password in logins] == [
        ("backbone", "backbone@demo.anchor.test", services.DEMO_PASSWORD),
        ("officer", "officer@demo.anchor.test", services.DEMO_PASSWORD),
        ("vendor", "vendor@demo.anchor.test", services.DEMO_PASSWORD),
    ]
    for role, email, _label, password in logins:
        user = auth_services.authenticate(email, password)
        assert user is not None and user.role == role


def test_demo_logins_work_through_the_login_form(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for _role, email, password in services.demo_logins():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302
        assert client.get("/dashboard").status_code == 200
