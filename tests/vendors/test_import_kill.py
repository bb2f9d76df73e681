"""A vendor import killed while applying leaves nothing behind: the whole file is one transaction.

This runs the real `flask vendors import` in a subprocess against its own database (a file-based
SQLite database, or a fresh PostgreSQL database next to the test database), waits until the
progress bar shows rows being applied, and sends SIGKILL.
"""
from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import migrate
from marketplace.vendors.import_rows import COLUMNS

ROWS = 60_000
ROOT = Path(__file__).resolve().parents[2]
APPLYING = re.compile(rb"Applying:\s+\d+%\|[^|]*\|\s+(\d+)/(\d+)")


@pytest.fixture
def own_database(tmp_path, database_url) -> Iterator[str]:
    """A migrated database that no test transaction wraps."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        own = f"sqlite:///{tmp_path / 'kill.db'}"
        migrate.upgrade(own)
        yield own
        return
    name = f"{url.database}_kill"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    own = url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(own)
    yield own
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _write_large_file(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i in range(ROWS):
            writer.writerow([f"Generated Vendor {i}", "", f"{10 + i // 10_000_000}-{i:07d}", "", f"{i} Main St",
                             "Fort Lauderdale", "FL", "33301", "561720", "SBE", "Broward County", f"S-{i}",
                             "2025-01-01", "2027-01-01"])


def _wait_until_applying(process: subprocess.Popen, deadline: float) -> tuple[int, int]:
    """Read the progress bar until it shows rows applied; return (done, total)."""
    seen = b""
    while time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
        matches = [m for m in APPLYING.finditer(seen) if int(m.group(1)) > 0]
        if matches:
            return int(matches[-1].group(1)), int(matches[-1].group(2))
    raise AssertionError(f"the import never showed rows being applied:\n{seen[-2000:].decode(errors='replace')}")


def test_a_killed_import_leaves_nothing_behind(tmp_path, own_database):
    path = tmp_path / "large.csv"
    _write_large_file(path)
    env = {**os.environ, "DATABASE_URL": own_database, "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "vendors", "import", str(path)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        done, total = _wait_until_applying(process, time.monotonic() + 240)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert 0 < done < total == ROWS  # killed mid-way through applying, before the commit

    engine = sa.create_engine(own_database)
    try:
        with engine.connect() as conn:
            for table in ("vendors", "vendor_addresses", "vendor_naics", "certifications", "import_batches",
                          "audit_events"):
                assert conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0, table
    finally:
        engine.dispose()
