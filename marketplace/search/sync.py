"""Keeping every host's index in step with the database.

1. Recording: session events note every changed opportunity or vendor (and the rows that feed
   their documents: NAICS codes, certifications, addresses) after each flush, and insert one
   `SearchIndexEvent` per object just before the transaction commits, in that transaction. A
   rolled-back change records nothing; a committed one cannot be lost.
2. Applying: on each host one process at a time (a non-blocking `flock`) reads the events after
   the last one it applied, re-reads the current rows and writes them into its index, commits,
   then saves how far it got. An event only says "look at this object again", so applying one
   twice, late, or out of order gives the same index.
3. Gaps: PostgreSQL hands out ids when rows are inserted but transactions commit in any order,
   so event 11 can be visible before event 10. A missing id is remembered as a gap and
   re-checked on every pass for SEARCH_GAP_SECONDS (default 300); if it appears it is applied,
   if not it is forgotten (its transaction rolled back, or `flask search check` will tell).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event

from marketplace import clock, db
from marketplace.opportunities.models import Opportunity, OpportunityNaics
from marketplace.search import documents, index
from marketplace.search.models import SearchIndexEvent
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

log = logging.getLogger(__name__)
CHANGES = "search_index_changes"
BATCH = 2000
MAX_BATCHES = 25
RESCAN_AFTER_REBUILD = 500
DEFAULT_GAP_SECONDS = 300

# --- recording -------------------------------------------------------------------------------


def _target(obj: object) -> tuple[str, int] | None:
    if isinstance(obj, Opportunity):
        return "opportunity", obj.id
    if isinstance(obj, OpportunityNaics):
        return "opportunity", obj.opportunity_id
    if isinstance(obj, Vendor):
        return "vendor", obj.id
    if isinstance(obj, (VendorNaics, VendorAddress, Certification)):
        return "vendor", obj.vendor_id
    return None


def _op(obj: object, is_new: bool, is_deleted: bool) -> str | None:
    """What the event will do, read from the object without loading anything (None: unknown)."""
    if is_deleted:
        return "delete" if isinstance(obj, (Opportunity, Vendor)) else None
    if isinstance(obj, Vendor):
        return "upsert"
    if not isinstance(obj, Opportunity):
        return None
    loaded = obj.__dict__  # never trigger a load inside a flush
    names = ("published_at", "cancelled_at", "no_award_at")
    if not is_new and not set(names) <= loaded.keys():
        return None
    published, cancelled, no_award = (loaded.get(n) for n in names)
    return "upsert" if published is not None and cancelled is None and no_award is None else "delete"


def _after_flush(session, _flush_context) -> None:
    changes: dict[tuple[str, int], str] = session.info.setdefault(CHANGES, {})
    new, deleted = set(session.new), set(session.deleted)
    for obj in (*session.new, *session.dirty, *session.deleted):
        target = _target(obj)
        if target is None or target[1] is None:
            continue
        op = _op(obj, obj in new, obj in deleted)
        if op is not None:
            changes[target] = op
        else:
            changes.setdefault(target, "upsert")


def _before_commit(session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # changes still pending would otherwise be flushed after this hook
    changes = session.info.pop(CHANGES, None)
    if not changes:
        return
    now = clock.utcnow()
    session.add_all([SearchIndexEvent(doc_type=doc_type, object_id=object_id, op=op, created_at=now)
                     for (doc_type, object_id), op in sorted(changes.items())])


def record(session, doc_type: str, object_ids, op: str = "upsert") -> None:
    """Note objects written by bulk statements (which fire no flush events); their events are recorded at commit."""
    changes = session.info.setdefault(CHANGES, {})
    for object_id in object_ids:
        changes[(doc_type, int(object_id))] = op


def _after_rollback(session) -> None:
    session.info.pop(CHANGES, None)


def register(target=None) -> None:
    """Listen on the app session (or `target`): after each flush note changes, before commit record them."""
    target = target if target is not None else db.session
    for name, fn in (("after_flush", _after_flush), ("before_commit", _before_commit),
                     ("after_rollback", _after_rollback)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


# --- applying --------------------------------------------------------------------------------


@dataclass
class ApplyReport:
    """What one pass of the applier did."""

    events: int = 0
    documents: int = 0
    rebuilt: bool = False
    skipped: bool = False
    last_id: int = 0


def index_root(config=None) -> Path:
    """This host's index directory."""
    return Path((config or current_app.config)["SEARCH_INDEX_DIR"])


def rebuild(session, root: Path, *, procs: int = 1, limitmb: int = 256,
            progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Build a complete index from the database and make it current (caller holds the host lock)."""
    start = session.scalar(sa.select(sa.func.max(SearchIndexEvent.id))) or 0
    build = index.new_build(root)
    counts = {}
    for kind, loader in documents.LOADERS.items():
        counts[kind] = index.bulk_load(build, kind, loader(session), procs=procs, limitmb=limitmb, progress=progress)
    # Events just before the start may belong to transactions that had not committed yet: look again.
    index.write_state(build, {"last_id": max(0, start - RESCAN_AFTER_REBUILD), "gaps": [],
                              "day": documents.today().isoformat()})
    index.make_current(root, build)
    index.remove_old_builds(root)
    return counts


def _missing_ranges(lo: int, hi: int, present: set[int], seen: float) -> list[list]:
    ranges, start = [], None
    for i in range(lo, hi + 1):
        if i not in present and start is None:
            start = i
        elif i in present and start is not None:
            ranges.append([start, i - 1, seen])
            start = None
    if start is not None:
        ranges.append([start, hi, seen])
    return ranges


def _refresh(session, build: Path, targets: set[tuple[str, int]]) -> int:
    written = 0
    for kind, loader in documents.LOADERS.items():
        ids = {object_id for doc_type, object_id in targets if doc_type == kind}
        if not ids:
            continue
        docs = list(loader(session, ids))
        deletes = [str(i) for i in ids - {int(d["id"]) for d in docs}]
        index.apply_changes(build, kind, docs, deletes)
        written += len(ids)
    return written


def _apply_events(session, build: Path, gap_seconds: float) -> ApplyReport:
    state = index.read_state(build)
    last, now = state["last_id"], time.time()
    targets: set[tuple[str, int]] = set()
    gaps: list[list] = []
    E = SearchIndexEvent  # noqa: N806
    for lo, hi, seen in state.get("gaps", []):
        rows = session.execute(sa.select(E.id, E.doc_type, E.object_id).where(E.id.between(lo, hi))).all()
        targets |= {(r.doc_type, r.object_id) for r in rows}
        if now - seen < gap_seconds:
            gaps += _missing_ranges(lo, hi, {r.id for r in rows}, seen)
    count = 0
    for _ in range(MAX_BATCHES):
        rows = session.execute(sa.select(E.id, E.doc_type, E.object_id).where(E.id > last)
                               .order_by(E.id).limit(BATCH)).all()
        for row in rows:
            if row.id > last + 1:
                gaps.append([last + 1, row.id - 1, now])
            targets.add((row.doc_type, row.object_id))
            last = row.id
        count += len(rows)
        if len(rows) < BATCH:
            break
    today = documents.today()
    if state.get("day") != today.isoformat():
        since = date.fromisoformat(state["day"]) if state.get("day") else today
        targets |= {("vendor", v) for v in documents.vendors_changing_between(session, since, today)}
    written = _refresh(session, build, targets) if targets else 0
    if count or written or gaps != state.get("gaps", []) or state.get("day") != today.isoformat():
        index.write_state(build, {"last_id": last, "gaps": gaps, "day": today.isoformat()})
    return ApplyReport(events=count, documents=written, last_id=last)


def apply_pending(*, session=None, root: Path | None = None, procs: int = 1) -> ApplyReport:
    """Bring this host's index up to date if no other process here is doing it; never blocks."""
    session = session if session is not None else db.session
    root = root or index_root()
    gap_seconds = float(current_app.config.get("SEARCH_GAP_SECONDS", DEFAULT_GAP_SECONDS))
    with index.host_lock(root) as held:
        if not held:
            return ApplyReport(skipped=True)
        build = index.current_build(root)
        if build is not None and not index.rebuild_requested(root):
            try:
                index.check_build(build)
            except index.IndexUnavailable:
                log.warning("search index at %s is unreadable; rebuilding", build)
                build = None
        if build is None or index.rebuild_requested(root):
            counts = rebuild(session, root, procs=procs)
            return ApplyReport(documents=sum(counts.values()), rebuilt=True)
        return _apply_events(session, build, gap_seconds)


def pending_events(session=None, root: Path | None = None) -> int | None:
    """How many recorded events this host has not applied yet (None when there is no index)."""
    session = session if session is not None else db.session
    build = index.current_build(root or index_root())
    if build is None:
        return None
    last = index.read_state(build)["last_id"]
    return session.scalar(sa.select(sa.func.count()).select_from(SearchIndexEvent).where(SearchIndexEvent.id > last))


# --- the background applier -------------------------------------------------------------------

_started: dict[int, threading.Thread] = {}
_start_lock = threading.Lock()


def run_forever(app: Flask, interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Apply pending events every `interval` seconds until `stop` is set."""
    while stop is None or not stop.is_set():
        with app.app_context():
            try:
                apply_pending()
            except Exception:  # keep polling: the next pass retries; requests fall back meanwhile
                app.logger.exception("search index apply failed")
            finally:
                db.session.remove()
        time.sleep(interval)


def start_applier(app: Flask, interval: float | None = None) -> None:
    """Start this process's background applier thread once (again after a fork)."""
    pid = os.getpid()
    if pid in _started:
        return
    with _start_lock:
        if pid in _started:
            return
        interval = interval or float(app.config.get("SEARCH_APPLY_INTERVAL", 1.0))
        thread = threading.Thread(target=run_forever, args=(app, interval), daemon=True, name="search-applier")
        _started[pid] = thread
        thread.start()
