"""Two processes publishing and applying at once leave an index equal to the database."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from marketplace import create_app, db, migrate
from marketplace.auth import services as auth_services
from marketplace.institutions.models import Collaborative, Institution, LocalRule
from marketplace.search import sync

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_publishing_at_once_leave_a_consistent_index(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    index_dir = str(tmp_path / "index")
    migrate.upgrade(url)
    config = {"TESTING": True, "DATABASE_URL": url, "SEARCH_INDEX_DIR": index_dir, "SECRET_KEY": "test",
              "SEARCH_APPLIER": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    app = create_app(config)
    with app.app_context():
        db.session.add(Collaborative(name="C", local_rule=LocalRule(name="R")))
        inst = Institution(slug="i", name="Inst", sector="health", timezone="America/New_York",
                           fiscal_year_start_month=7, created_at=datetime.now(UTC))
        db.session.add(inst)
        db.session.flush()
        officer = auth_services.create_user(email="o@example.org", password="correct horse battery staple 42",
                                            role="officer", institution_id=inst.id)
        db.session.commit()
        officer_id = officer.id
        db.session.remove()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-m", "tests.search.workers", url, index_dir, str(officer_id),
                                 name, "12"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for name in ("alpha", "beta")]
    outputs = [w.communicate(timeout=240) for w in workers]
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err[-3000:]
        assert "LockError" not in out + err

    with app.app_context():
        sync.apply_pending()
        db.session.commit()
        published = db.session.scalar(sa.text("SELECT count(*) FROM opportunities WHERE published_at IS NOT NULL"))
        assert published == 24
        result = app.test_cli_runner().invoke(args=["search", "check"])
        assert result.exit_code == 0, result.output
        assert "24 in the database, 24 in the index" in result.output
        db.session.remove()
    db.dispose_engines()
