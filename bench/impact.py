"""Impact figures at scale: spend import throughput and collaborative dashboard latency.

    .venv/bin/python bench/impact.py [--database-url URL] [--lines N] [--vendors N]

Builds a collaborative of 20 anchors and 20,000 vendors in an empty database (a temporary
SQLite file by default), then measures in the same run:
  1. a plain bulk insert of the extracts' rows (Core executemany on SQLite, COPY on
     PostgreSQL) into spend_lines, removed again afterwards;
  2. the real import of the same rows (`import_spend`: check every row, match payees,
     insert, mark the rollup months stale, commit), one extract per anchor, then the
     rollup refresh a large import needs (as `flask spend import` runs it); the summary
     line's import rate includes that refresh;
  3. the collaborative dashboard's figures (every anchor and the collaborative, the last
     eight quarters and three fiscal years) from the rollups, per request;
  4. the same figures by a direct full aggregation over the lines (per anchor x quarter x
     category), which must equal (3) to the cent.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench import impact_data  # noqa: E402
from marketplace import create_app, db, freeze_startup_heap, migrate  # noqa: E402
from marketplace.impact import rollup  # noqa: E402
from marketplace.impact.compute import figures_from_cents, monthly_cents, report_categories  # noqa: E402
from marketplace.impact.models import SpendLine  # noqa: E402
from marketplace.impact.report import compute_reports, report_to_json  # noqa: E402
from marketplace.impact.spend_import import import_spend  # noqa: E402
from marketplace.impact.spend_reader import read_table  # noqa: E402
from marketplace.institutions.models import Institution  # noqa: E402

DASHBOARD = ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3",
             "FY2024", "FY2025", "FY2026"]


def _rows(anchors, extracts) -> list[dict]:
    """The extracts' rows as a plain insert writes them (no checks, no matching)."""
    now = impact_data.now_utc()
    rows = []
    for inst, data in zip(anchors, extracts, strict=True):
        _header, lines = read_table("x.csv", data)
        for _n, (line_id, name, ein, zip_code, amount, day, category) in lines:
            rows.append({"institution_id": inst.id, "line_id": line_id, "vendor_id": None, "vendor_name": name,
                         "ein": ein or None, "zip": zip_code, "amount": amount, "payment_date": day,
                         "category": category, "source": "import", "tier": 1, "import_batch_id": None,
                         "match_status": "unmatched", "created_at": now})
    return rows


def bulk_insert(engine: sa.Engine, rows: list[dict]) -> float:
    """Seconds for a plain bulk insert of `rows` (COPY on PostgreSQL); the rows are removed afterwards."""
    from datetime import date
    from decimal import Decimal

    typed = [{**r, "amount": Decimal(r["amount"]), "payment_date": date.fromisoformat(r["payment_date"])}
             for r in rows]
    table = SpendLine.__table__
    started = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            columns = list(typed[0])
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY spend_lines ({', '.join(columns)}) FROM STDIN") as copy:
                for row in typed:
                    copy.write_row([row[c] for c in columns])
        else:
            for start in range(0, len(typed), 10_000):
                conn.execute(sa.insert(table), typed[start:start + 10_000])
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE spend_lines" if engine.dialect.name == "postgresql" else "DELETE FROM spend_lines"))
    return elapsed


def full_aggregation(anchors: list[Institution], labels: list[str]) -> tuple[float, list[dict]]:
    """Seconds for the per anchor x quarter x category aggregation over every line, and its figures."""
    from marketplace.impact.periods import parse_period

    started = time.perf_counter()
    settings = rollup.current_settings()
    categories = report_categories(settings.enabled)
    figures = {}
    for inst in anchors:
        months = monthly_cents(inst, [(impact_data.FIRST_DAY, impact_data.LAST_DAY)], expiry=settings.expiry,
                               enabled=settings.enabled, rule=settings.rule_for(inst))
        for label in labels:
            start, end = parse_period(label).bounds(inst.fiscal_year_start_month)
            width = 2 + 2 * len(categories)
            sums = [sum(c[i] for m, c in months.items() if start <= m <= end) for i in range(width)]
            figures[(inst.slug, label)] = figures_from_cents(sums, categories)
    return time.perf_counter() - started, figures


def main() -> None:
    """Run the benchmark and print its figures; the last line is the summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-impact-")
    url = args.database_url or f"sqlite:///{os.path.join(workdir, 'bench.db')}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": os.path.join(workdir, "ix"),
                      "UPLOAD_DIR": os.path.join(workdir, "up")})
    rng = random.Random(20261127)
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(Institution)):
            sys.exit("The database is not empty: give an empty one (the bench adds a whole collaborative).")
        engine = db.get_engine(app)
        print(f"database: {engine.dialect.name}; {args.institutions} anchors, {args.vendors:,} vendors, "
              f"{args.lines:,} spend lines", flush=True)
        anchors = impact_data.create_collaborative(args.institutions, impact_data.now_utc())
        payees = impact_data.create_vendors(args.vendors, rng, impact_data.now_utc())
        rollup.refresh()  # empty rollups: from here on every import keeps them exact at commit
        db.session.commit()
        per_anchor = [args.lines // args.institutions + (n < args.lines % args.institutions)
                      for n in range(args.institutions)]
        extracts = [impact_data.extract(inst, n, payees, rng) for inst, n in zip(anchors, per_anchor, strict=True)]
        rows = _rows(anchors, extracts)
        bulk_seconds = bulk_insert(engine, rows)
        bulk_rate = len(rows) / bulk_seconds
        print(f"plain bulk insert ({'COPY' if engine.dialect.name == 'postgresql' else 'Core executemany'}): "
              f"{len(rows):,} rows in {bulk_seconds:.1f} s = {bulk_rate:,.0f} rows/s", flush=True)
        del rows
        started = time.perf_counter()
        added = matched = 0
        for inst, data in zip(anchors, extracts, strict=True):
            result = import_spend(inst, f"{inst.slug}.csv", data)
            db.session.commit()
            added, matched = added + result.added, matched + result.matched
        import_seconds = time.perf_counter() - started
        import_rate = added / import_seconds
        print(f"import_spend: {added:,} rows ({matched:,} matched) in {import_seconds:.1f} s = "
              f"{import_rate:,.0f} rows/s ({import_rate / bulk_rate:.2f} of bulk insert)", flush=True)
        stale = db.session.scalar(sa.text("SELECT COUNT(*) FROM impact_rollup_stale"))
        if engine.dialect.name == "postgresql":  # what autovacuum does after a big load (it is off here)
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        started = time.perf_counter()
        refreshed = rollup.refresh()  # what `flask spend import` runs after a large import
        db.session.commit()
        refresh_seconds = time.perf_counter() - started
        total_rate = added / (import_seconds + refresh_seconds)
        print(f"rollup refresh after the imports ({stale} stale month cells): {refreshed.cells:,} cells in "
              f"{refresh_seconds:.1f} s; import + refresh = {total_rate:,.0f} rows/s "
              f"({total_rate / bulk_rate:.2f} of bulk insert)", flush=True)
        db.session.remove()
        del extracts, payees
        freeze_startup_heap()  # as a served app does once built (wsgi.py): the collector skips what is alive now
        timings, reports = [], None
        for _ in range(args.requests):
            started = time.perf_counter()
            reports = compute_reports(DASHBOARD, source="rollup")
            db.session.remove()  # a new session per request, as in the app
            timings.append(time.perf_counter() - started)
        timings.sort()
        median, p95 = statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]
        print(f"dashboard ({len(DASHBOARD)} periods x {args.institutions} anchors + collaborative, from rollups): "
              f"median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms over {len(timings)} requests", flush=True)
        anchors = list(db.session.scalars(sa.select(Institution).order_by(Institution.slug)))
        scans = [full_aggregation(anchors, DASHBOARD) for _ in range(3)]
        scan = statistics.median(s for s, _ in scans)
        expected = scans[0][1]
        for report in reports:
            for scope in report.institutions:
                assert report_to_json(report) and scope.figures == expected[(scope.slug, report.period)], (
                    f"rollup differs from the lines: {scope.slug} {report.period}")
        print(f"full aggregation over the lines (per anchor x quarter x category): median {scan:.2f} s "
              f"over {len(scans)} runs; rollup figures equal it to the cent", flush=True)
    print(f"import {total_rate:,.0f} rows/s ({total_rate / bulk_rate:.2f} of bulk insert); "
          f"dashboard p95 {p95 * 1000:.1f} ms ({scan / p95:,.0f}x faster than full scan)")


if __name__ == "__main__":
    main()
