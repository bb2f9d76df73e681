"""Stale markers for the impact rollups, written in the same transaction as the change that needs them.

Session events watch every write that can change a figure: spend lines (imports, links,
edits), certifications (claim, verify, reject, withdraw, renew, dates), principal addresses
(moves, corrections), spend categories (addressable or not), institutions (fiscal year,
local rule), the collaborative (expiry rule, enabled types, region) and the region itself.
ORM flushes are read in `after_flush` (old and new values alike); INSERT, UPDATE and DELETE
statements sent through the session in `do_orm_execute` (rows read before and after). At
commit, small changes (`SYNC_CELLS`, `SYNC_LINES`) are recomputed in the same transaction;
larger ones (a big import, a region change) wait for `flask impact refresh`. Raw SQL text bypasses all this: after such a write run
`flask impact refresh --full` (and `flask impact check` finds any difference).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace import clock, db

# Recomputed at commit when the marked cells are at most this many and hold at most this
# many lines (the facts cost ~30 µs a line on SQLite): about a second at worst.
SYNC_CELLS = 120
SYNC_LINES = 30_000
EVERYTHING = (None, None)
_CLAIMED = {"verified", "self_attested", "pending"}
WATCHED = {
    "spend_lines": ("institution_id", "payment_date", "amount", "category", "vendor_id", "tier"),
    "certifications": ("vendor_id", "type", "status", "effective_on", "expires_on"),
    "vendor_addresses": ("vendor_id", "kind", "state", "county", "zip", "effective_from", "effective_to"),
    "spend_categories": ("institution_id", "name", "addressable"),
    "institutions": ("fiscal_year_start_month", "local_rule_id"),
    "collaboratives": ("expiry_rule", "grace_days", "enabled_certification_types", "local_rule_id"),
    "local_rules": (),
    "local_rule_counties": ("rule_id", "state", "county"),
    "local_rule_zips": ("rule_id", "zip"),
}
_INFO_TOKEN, _INFO_MARKED = "impact_rollup_token", "impact_rollup_marked"
Versions = dict[str, list]  # column -> every value it had in this change (old and new)
Key = tuple[int | None, date | None]


def _mark(session: Session, keys: set[Key]) -> None:
    """Insert the markers not yet written in this transaction."""
    marked = session.info.setdefault(_INFO_MARKED, set())
    new = keys - marked
    if not new:
        return
    token = session.info.setdefault(_INFO_TOKEN, uuid.uuid4().hex)
    from marketplace.impact.models import ImpactRollupStale

    now = clock.utcnow()
    session.connection().execute(sa.insert(ImpactRollupStale.__table__), [
        {"institution_id": inst, "month": month, "token": token, "created_at": now}
        for inst, month in sorted(new, key=lambda k: (k[0] or 0, k[1] or date.min))
    ])
    marked.update(new)


def _spend_line_table():
    from marketplace.impact.models import SpendLine

    return SpendLine.__table__


def _vendor_cells(session: Session, windows: list[tuple[int, date, date]]) -> set[Key]:
    """(institution, month) of every Tier 1 line of each vendor paid within its window."""
    lines = _spend_line_table().c
    year, month = sa.extract("year", lines.payment_date), sa.extract("month", lines.payment_date)
    query = sa.select(lines.institution_id, year, month).distinct().where(lines.tier == 1)
    if len(windows) > 50:  # a bulk write: one query per 500 vendors over the widest window
        lo, hi = min(w[1] for w in windows), max(w[2] for w in windows)
        vendor_ids = sorted({w[0] for w in windows})
        batches = [query.where(lines.vendor_id.in_(vendor_ids[i:i + 500]), lines.payment_date.between(lo, hi))
                   for i in range(0, len(vendor_ids), 500)]
    else:
        batches = [query.where(lines.vendor_id == v, lines.payment_date.between(lo, hi)) for v, lo, hi in windows]
    cells: set[Key] = set()
    connection = session.connection()
    for statement in batches:
        cells.update((inst, date(int(y), int(m), 1)) for inst, y, m in connection.execute(statement))
    return cells


def _category_cells(session: Session, institution_id: int, names: list[str]) -> set[Key]:
    lines = _spend_line_table().c
    year, month = sa.extract("year", lines.payment_date), sa.extract("month", lines.payment_date)
    rows = session.connection().execute(sa.select(year, month).distinct().where(
        lines.institution_id == institution_id, sa.func.lower(lines.category).in_(names)))
    return {(institution_id, date(int(y), int(m), 1)) for y, m in rows}


def _certificate_margin(session: Session) -> tuple[int, int]:
    """Days a certificate can count before its start and after its end under the expiry rule."""
    from marketplace.institutions.models import Collaborative

    row = session.connection().execute(sa.select(Collaborative.expiry_rule, Collaborative.grace_days)
                                       .order_by(Collaborative.id).limit(1)).first()
    rule, grace = (row[0], row[1] or 0) if row else ("strict", 0)
    if rule == "fiscal_year":
        return 366, 366 + grace  # a payment counts if its fiscal year (≤ 366 days) overlaps validity
    return 0, grace if rule == "grace_days" else 0


def _known(values: Iterable) -> list:
    return [v for v in values if v is not None]


def stale_keys(session: Session, table: str, changes: list[tuple[Versions, bool]]) -> set[Key]:
    """The cells that changes of `table` rows (all versions of each, and whether the row is new) touch."""
    keys: set[Key] = set()
    if table == "spend_lines":
        for values, _new in changes:
            keys.update((i, d.replace(day=1)) for i in _known(values["institution_id"])
                        for d in _known(values["payment_date"]))
    elif table in ("certifications", "vendor_addresses"):
        windows, margin = [], None
        for values, _new in changes:
            if table == "certifications":
                if not _CLAIMED & set(values.get("status", ["self_attested"])):
                    continue  # rejected or withdrawn before and after: counts for nothing either way
                margin = margin or _certificate_margin(session)
                starts, ends = _known(values.get("effective_on", [])), _known(values.get("expires_on", []))
                lo = min(starts) - timedelta(days=margin[0]) if starts and min(starts).year > 1 else date.min
                hi = max(ends) + timedelta(days=margin[1]) if ends and max(ends).year < 9998 else date.max
            else:
                if "principal" not in values.get("kind", []):
                    continue  # office addresses never decide "local"
                starts, ends = values.get("effective_from", [None]), values.get("effective_to", [None])
                lo = date.min if None in starts else min(starts)
                hi = date.max if None in ends else max(ends)
            windows += [(v, lo, hi) for v in _known(values["vendor_id"])]
        if windows:
            keys |= _vendor_cells(session, windows)
    elif table == "spend_categories":
        for values, _new in changes:
            names = sorted({n.lower() for n in _known(values["name"])})
            for inst_id in _known(values["institution_id"]):
                keys |= _category_cells(session, inst_id, names)
    elif table == "institutions":
        keys.update((i, None) for values, new in changes if not new for i in _known(values["id"]))
    elif changes:
        keys.add(EVERYTHING)  # the collaborative's settings or its region
    return keys


def _after_flush(session: Session, _context) -> None:
    by_table: dict[str, list[tuple[Versions, bool]]] = {}
    for obj, status in chain(((o, "new") for o in session.new), ((o, "dirty") for o in session.dirty),
                             ((o, "deleted") for o in session.deleted)):
        table = getattr(obj, "__tablename__", None)
        if table not in WATCHED:
            continue
        state = sa.inspect(obj)
        columns = ("id", *WATCHED[table]) if "id" in state.attrs else WATCHED[table]
        histories = {name: state.attrs[name].history for name in columns}
        if status == "dirty" and not any(histories[name].has_changes() for name in WATCHED[table]):
            continue
        values = {name: list(chain(h.added or (), h.unchanged or (), h.deleted or ())) or [state.dict.get(name)]
                  for name, h in histories.items()}
        by_table.setdefault(table, []).append((values, status == "new"))
    keys: set[Key] = set()
    for table, changes in by_table.items():
        keys |= stale_keys(session, table, changes)
    if keys:
        _mark(session, keys)


def _rows(session: Session, table: sa.Table, where) -> list[dict[str, Any]]:
    columns = [table.c[name] for name in ("id", *WATCHED[table.name]) if name in table.c]
    return [dict(row._mapping) for row in session.connection().execute(sa.select(*columns).where(where))]


def _versions(*rows: dict[str, Any]) -> Versions:
    merged: Versions = {}
    for row in rows:
        for name, value in row.items():
            merged.setdefault(name, []).append(value)
    return merged


def _do_orm_execute(state) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in WATCHED:
        return None
    session, table = state.session, table if isinstance(table, sa.Table) else sa.inspect(table).local_table
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if isinstance(params, dict) else []
        if name == "spend_lines" and rows:  # the import's hot path: months straight from the rows
            try:
                _mark(session, {(row["institution_id"], row["payment_date"].replace(day=1)) for row in rows})
            except (KeyError, AttributeError, TypeError):
                _mark(session, {EVERYTHING})
            return None
        needed = {"spend_lines": ("institution_id", "payment_date"),
                  "certifications": ("vendor_id", "effective_on", "expires_on"),
                  "vendor_addresses": ("vendor_id",), "spend_categories": ("institution_id", "name")}.get(name, ())
        if rows and all(c in row for row in rows for c in needed):
            _mark(session, stale_keys(session, name, [(_versions(row), True) for row in rows]))
        elif name != "institutions":
            _mark(session, {EVERYTHING})
        return None
    where = state.statement.whereclause
    if where is None:
        _mark(session, {EVERYTHING})
        return None
    before = {row["id"]: row for row in _rows(session, table, where)}
    result = state.invoke_statement()
    after = {row["id"]: row for row in _rows(session, table, table.c.id.in_(list(before)))} if before else {}
    changes = [(_versions(row, *([after[i]] if i in after else [])), False) for i, row in before.items()]
    if changes:
        _mark(session, stale_keys(session, name, changes))
    return result


def mark_lines(session: Session, institution_id: int, days: Iterable[date]) -> None:
    """Mark the months of lines written outside the session (PostgreSQL COPY) as stale."""
    _mark(session, {(institution_id, d.replace(day=1)) for d in set(days)})


def _before_commit(session: Session) -> None:
    if any(getattr(o, "__tablename__", None) in WATCHED for o in chain(session.new, session.dirty, session.deleted)):
        session.flush()
    token = session.info.get(_INFO_TOKEN)
    if token is None:
        return
    from marketplace.impact.rollup import recompute_marked

    recompute_marked(token, max_cells=SYNC_CELLS, max_lines=SYNC_LINES)
    _forget(session)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_INFO_TOKEN, None)
    session.info.pop(_INFO_MARKED, None)


def register() -> None:
    """Listen on the app's session (idempotent)."""
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "do_orm_execute", _do_orm_execute)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_commit", _forget)
        event.listen(db.session, "after_soft_rollback", _forget)
