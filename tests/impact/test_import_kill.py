"""`flask spend import` under stress: killed (SIGKILL) while applying it leaves nothing behind;
two at once store every line once.

Runs the real command in subprocesses against their own database (a file for SQLite, a fresh
database for PostgreSQL), outside the per-test transaction.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import migrate
from tests.conftest import BACKEND

ROOT = Path(__file__).resolve().parents[2]
ROWS = 120_000
APPLYING = re.compile(rb"Importing:[^\r\n]*?\| *([0-9]+)/([0-9]+)")


def _fresh_database(database_url: str, tmp_path: Path) -> str:
    if BACKEND != "postgresql":
        return f"sqlite:///{tmp_path / 'kill.db'}"
    url = make_url(database_url)
    name = f"{url.database}_kill"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _flask(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, **kwargs)


def _counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = tuple(conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                       for table in ("spend_lines", "import_batches", "spend_categories"))
    engine.dispose()
    return counts


def _institution_and_extract(database_url: str, tmp_path: Path, rows: int) -> tuple[str, dict, Path]:
    """A fresh database with the institution `kill-test`, the environment to reach it, and an extract."""
    url = _fresh_database(database_url, tmp_path)
    migrate.upgrade(url)
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
           "SEARCH_INDEX_DIR": str(tmp_path / "index"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    add = _flask(env, "institutions", "add", "kill-test", "--name", "Kill Test", "--sector", "health",
                 stdout=subprocess.DEVNULL)
    assert add.wait(timeout=120) == 0
    extract = tmp_path / "big.csv"
    with extract.open("w") as out:
        out.write("line_id,vendor_name,ein,zip,amount,payment_date,category\n")
        for n in range(rows):
            out.write(f"K{n},PAYEE {n % 500},,33301,{n % 9000}.{n % 100:02d},2025-{n % 12 + 1:02d}-15,Supplies\n")
    return url, env, extract


def test_killing_an_import_mid_apply_leaves_no_lines(database_url, tmp_path):
    url, env, extract = _institution_and_extract(database_url, tmp_path, ROWS)
    job = _flask(env, "spend", "import", str(extract), "--institution", "kill-test", "--allow-new-categories",
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    try:
        while True:
            chunk = os.read(job.stderr.fileno(), 65536)
            assert chunk, f"the import ended before we could kill it: {seen[-500:]!r}"
            seen += chunk
            progress = [m for m in APPLYING.finditer(seen) if 0 < int(m.group(1)) < int(m.group(2))]
            if progress:
                break
        job.send_signal(signal.SIGKILL)
    finally:
        job.wait(timeout=120)
        job.stderr.close()
    assert job.returncode == -signal.SIGKILL
    # Lines had been inserted (the bar was moving), yet none, nor the batch or the new category, remain.
    assert _counts(url) == (0, 0, 0)


def test_two_imports_of_one_file_at_once_store_each_line_once(database_url, tmp_path):
    rows = 40_000
    url, env, extract = _institution_and_extract(database_url, tmp_path, rows)
    command = ("spend", "import", str(extract), "--institution", "kill-test", "--allow-new-categories")
    jobs = [_flask(env, *command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = []
    for job in jobs:
        out, err = job.communicate(timeout=300)
        outcomes.append((job.returncode, out.decode(), err.decode()))
    assert _counts(url) == (rows, 1, 1)  # every line once, one batch, one new category
    added = [o for o in outcomes if o[0] == 0 and f"{rows} added" in o[1]]
    assert len(added) == 1, outcomes
    (other,) = [o for o in outcomes if o is not added[0]]
    # The other waited for the first and then found every line there, or lost the race on the
    # unique key and said so; either way in words, not a traceback.
    assert (other[0] == 0 and f"0 added, {rows} already imported" in other[1]) or (
        other[0] == 1 and "Another import added some of these lines at the same time" in other[2]), outcomes
    assert "Traceback" not in other[2]
