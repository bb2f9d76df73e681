"""`flask search ...`: rebuild, check and keep this host's search index up to date."""
from __future__ import annotations

import os
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace import db
from marketplace.search import check as checking
from marketplace.search import documents, index, sync

search_cli = AppGroup("search", help="The search index of this host.")


@search_cli.command("reindex")
@click.option("--procs", type=int, default=min(2, os.cpu_count() or 1), show_default=True,
              help="Indexing processes.")
@click.option("--limitmb", type=int, default=768, show_default=True,
              help="Memory per indexing process, MB (less memory means more sorting runs on disk).")
@click.option("--wait", type=float, default=600.0, show_default=True,
              help="Seconds to wait for a running applier to finish.")
def reindex(procs: int, limitmb: int, wait: float) -> None:
    """Rebuild this host's index from the database, then switch searches to it."""
    root = sync.index_root()
    total = sum(documents.count_all(db.session).values())
    with index.host_lock(root, wait=wait) as held:
        if not held:
            raise click.ClickException("Another process on this host is writing the index; try again later.")
        started = time.perf_counter()
        with click.progressbar(length=total, label="Indexing", show_pos=True, show_eta=True) as bar:
            counts = sync.rebuild(db.session, root, procs=procs, limitmb=limitmb, progress=bar.update)
    elapsed = time.perf_counter() - started
    written = sum(counts.values())
    click.echo(f"Indexed {counts['opportunity']:,} opportunities and {counts['vendor']:,} vendors "
               f"in {elapsed:.1f} s ({written / max(elapsed, 1e-9):,.0f} documents/s).")


@search_cli.command("check")
def check() -> None:
    """Compare the index with the database; exit 1 and list the differences if they differ."""
    report = checking.compare(db.session, sync.index_root())
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


@search_cli.command("apply")
@click.option("--loop", is_flag=True, help="Keep applying every --interval seconds (for deployments).")
@click.option("--interval", type=float, default=1.0, show_default=True)
def apply(loop: bool, interval: float) -> None:
    """Apply recorded index events (rebuilding the index if it is missing or unreadable)."""
    if loop:
        click.echo(f"Applying search index events every {interval:g} s; Ctrl+C stops.")
        stop = threading.Event()
        try:
            sync.run_forever(current_app._get_current_object(), interval, stop)
        except KeyboardInterrupt:
            stop.set()
        return
    report = sync.apply_pending()
    db.session.commit()
    if report.skipped:
        click.echo("Another process on this host is applying events; nothing done.")
    elif report.rebuilt:
        click.echo(f"Rebuilt the index: {report.documents:,} documents.")
    else:
        click.echo(f"Applied {report.events:,} events ({report.documents:,} documents); last event {report.last_id}.")


commands = [search_cli]
