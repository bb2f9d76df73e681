"""Importing spend lines from ERP/AP extracts: all rows or none, idempotent by line_id.

Every row is checked and every bad row reported with its line number. Good rows are written
as they are checked, inside a savepoint of the caller's transaction (on PostgreSQL one COPY
streams them, so the server stores while Python checks); the first bad row stops the writing
and the savepoint is rolled back at the end, so a refused, failed or killed import leaves
nothing behind (the CLI commits once at the end, a request at its boundary). A `line_id`
already stored for the institution is skipped, which makes re-imports add nothing.
"""
from __future__ import annotations

import gc
import hashlib
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import SessionTransaction
from tqdm import tqdm

import marketplace.models  # noqa: F401  (every model: spend lines refer to contracts)
from marketplace import audit, clock, db
from marketplace.errors import DomainError
from marketplace.impact import invalidation
from marketplace.impact.matching import VendorIndex
from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.impact.spend_reader import ImportRejected, RowChecker, check_header, read_table
from marketplace.institutions.models import Institution, SpendCategory

CHUNK = 5000
DIFFERENCES_SHOWN = 10
COMPARED = ("vendor_name", "ein", "zip", "amount", "payment_date", "category")  # a checked row's fields 1..6


@dataclass
class ImportResult:
    """What an applied import did."""

    batch_id: int | None
    rows_total: int
    added: int
    already_imported: int
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    differing: int = 0  # already imported lines whose values in this file differ (kept as stored)
    differences: list[str] = field(default_factory=list)  # the first DIFFERENCES_SHOWN of them, in words


def _bar(progress: bool, desc: str, total: int | None = None) -> tqdm:
    return tqdm(total=total, desc=desc, unit=" rows", file=sys.stderr, disable=not progress,
                mininterval=0.2, leave=True)


def _category_names(institution: Institution) -> dict[str, str]:
    rows = db.session.scalars(sa.select(SpendCategory.name).where(SpendCategory.institution_id == institution.id))
    return {" ".join(name.split()).lower(): name for name in rows}


def _row_estimate(filename: str, data: bytes) -> int | None:
    """About how many data rows the file holds, for the progress bar (CSV: its line breaks)."""
    return max(data.count(b"\n") - 1, 0) if not (filename or "").lower().endswith(".xlsx") else None


def _stored_line_ids(institution: Institution, filename: str, data: bytes, at_line_id: int) -> set[str]:
    """The file's line_ids already stored for the institution (none to look for in a first import)."""
    existing = db.session.scalar(sa.select(sa.func.count()).where(SpendLine.institution_id == institution.id)) or 0
    if not existing:
        return set()
    _header, rows = read_table(filename, data)
    wanted = {cells[at_line_id].strip() for _line, cells in rows if len(cells) > at_line_id}
    if existing <= 2 * len(wanted):  # cheaper to read them all than to ask in chunks
        return {i for i in db.session.scalars(sa.select(SpendLine.line_id).where(
            SpendLine.institution_id == institution.id)) if i in wanted}
    line_ids, stored = sorted(wanted), set()
    for start in range(0, len(line_ids), 5000):
        stored.update(db.session.scalars(sa.select(SpendLine.line_id).where(
            SpendLine.institution_id == institution.id, SpendLine.line_id.in_(line_ids[start:start + 5000]))))
    return stored


try:
    from psycopg.errors import UniqueViolation as _UniqueViolation
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs still import
    class _UniqueViolation(Exception):  # type: ignore[no-redef]
        """Never raised."""


LINE_COLUMNS = ("institution_id", "line_id", "vendor_id", "vendor_name", "ein", "zip", "amount", "payment_date",
                "category", "source", "tier", "import_batch_id", "match_status", "created_at")
_RACE = ("Another import added some of these lines at the same time. Nothing was imported from this file; "
         "run it again to add the lines still missing.")


class _LineWriter:
    """Where checked lines go (tuples in LINE_COLUMNS order), inside a savepoint of the caller's transaction.

    On PostgreSQL the lines stream into one COPY as they are checked, so the server stores
    them on the other core while Python checks the next rows; a bad row found later rolls the
    savepoint back. Elsewhere they are kept and inserted by Core executemany at `finish`.
    """

    def __init__(self, institution_id: int, savepoint: SessionTransaction) -> None:
        self.institution_id = institution_id
        self.days: set = set()
        self._savepoint = savepoint
        self._copy = None
        self._pending: list[tuple] = []
        if db.session.get_bind().dialect.name == "postgresql":
            self._stack = ExitStack()
            cursor = self._stack.enter_context(db.session.connection().connection.driver_connection.cursor())
            self._copy = self._stack.enter_context(cursor.copy(
                f"COPY spend_lines ({', '.join(LINE_COLUMNS)}) FROM STDIN"))

    def write(self, row: tuple) -> None:
        """Add one line."""
        if self._copy is not None:
            self.days.add(row[7])  # the months COPY must mark itself (see `finish`)
            self._copy.write_row(row)
        else:
            self._pending.append(row)

    def finish(self) -> None:
        """Store every line written; DomainError when another import stored some line_id meanwhile."""
        try:
            if self._copy is not None:
                self._stack.close()
                # COPY bypasses the session's statement events: mark the rollup months here.
                invalidation.mark_lines(db.session(), self.institution_id, self.days)
            else:
                table = SpendLine.__table__
                for start in range(0, len(self._pending), CHUNK):
                    # Core, not the ORM bulk path, which splits a batch wherever NULLs change places.
                    db.session.execute(sa.insert(table), [dict(zip(LINE_COLUMNS, row, strict=True))
                                                          for row in self._pending[start:start + CHUNK]])
        except (sa.exc.IntegrityError, _UniqueViolation):
            self._savepoint.rollback()
            raise DomainError(_RACE) from None
        self._savepoint.commit()

    def abandon(self, error: BaseException | None = None) -> None:
        """Undo everything written (the batch included); `error` is what interrupted the writing, if anything."""
        if self._copy is not None:
            # End the COPY (cleanly, or failed with the error), then roll its rows back with the savepoint.
            if error is None:
                self._stack.close()
            else:
                self._stack.__exit__(type(error), error, error.__traceback__)
        self._savepoint.rollback()


def import_spend(
    institution: Institution,
    filename: str,
    data: bytes,
    *,
    actor: Any = None,
    allow_new_categories: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Check the whole extract and add its new lines (matched to vendors) in this transaction.

    Raises ImportRejected, listing every bad row, when any row is bad; nothing is added then.
    Good rows are written as they are checked (see `_LineWriter`) and undone if a bad one follows.
    """
    with _collector_paused():
        return _import(institution, filename, data, actor, allow_new_categories, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: an import allocates millions of short-lived
    rows and tuples, which would start a full collection again and again (about a third of
    the Python time); none of them forms a cycle, and the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(institution: Institution, filename: str, data: bytes, actor: Any, allow_new_categories: bool,
            progress: bool) -> ImportResult:
    header, rows = read_table(filename, data)
    positions, extra = check_header(header)
    run = _Run(institution, filename, data, actor, RowChecker(
        _category_names(institution), positions, allow_new_categories=allow_new_categories))
    run.stored = _stored_line_ids(institution, filename, data, positions["line_id"])
    run.result.ignored_columns = extra
    with _bar(progress, "Importing", total=_row_estimate(filename, data)) as bar:
        try:
            run.apply(rows, bar)
        except BaseException as error:
            if run.writer is not None:
                run.writer.abandon(error)
            if isinstance(error, (sa.exc.IntegrityError, _UniqueViolation)):
                raise DomainError(_RACE) from None
            raise
    if run.checker.problems:
        if run.writer is not None:
            run.writer.abandon()
        raise ImportRejected(run.checker.problems)
    return run.finish()


class _Run:
    """One import: its rows checked, matched and written, then the batch recorded and audited."""

    def __init__(self, institution: Institution, filename: str, data: bytes, actor: Any, checker: RowChecker):
        self.institution, self.filename, self.data, self.actor = institution, filename, data, actor
        self.checker = checker
        self.stored: set[str] = set()
        self.result = ImportResult(None, 0, 0, 0)
        self.statuses: Counter[str] = Counter()
        self.used_new_categories: set[str] = set()
        self.index = VendorIndex()
        self.now = clock.utcnow()
        self.writer: _LineWriter | None = None
        self.batch: ImportBatch | None = None
        self.repeats: list[tuple[int, tuple]] = []  # (line, checked row) of lines already stored

    def _open(self) -> None:
        savepoint = db.session.begin_nested()  # the batch and its lines, undone together
        self.batch = ImportBatch(
            kind="spend", institution_id=self.institution.id, filename=(self.filename or "")[:255],
            sha256=hashlib.sha256(self.data).hexdigest(), rows_total=0, rows_added=0,
            created_by_id=getattr(self.actor, "id", None), created_at=self.now)
        db.session.add(self.batch)
        db.session.flush()
        self.writer = _LineWriter(self.institution.id, savepoint)  # the session is not used again until finish

    def apply(self, rows, bar: tqdm) -> None:
        """Check every row; write the new good ones while no bad row has been seen."""
        checker, result, stored, inst_id = self.checker, self.result, self.stored, self.institution.id
        count = counted = 0
        for count, (line, cells) in enumerate(rows, start=1):
            if count - counted >= 1000:
                bar.update(count - counted)
                counted = count
            row = checker.check(line, cells)
            if row is None:
                if checker.full:
                    break
                continue
            result.rows_total += 1
            line_id, vendor_name, ein, zip_code, amount, day, category = row
            if line_id in stored:
                result.already_imported += 1
                self.repeats.append((line, row))
                continue
            result.added += 1
            if checker.problems:
                continue  # the file is refused: check the rest, write nothing more
            if self.writer is None:
                self._open()
                batch_id = self.batch.id
            if category.lower() in checker.new:
                self.used_new_categories.add(category)
            match = self.index.match(vendor_name, zip_code, ein)
            self.statuses[match.status] += 1
            self.writer.write((inst_id, line_id, match.vendor_id, vendor_name, ein, zip_code, amount, day,
                               category, "import", 1, batch_id, match.status, self.now))
        bar.update(count - counted)

    def finish(self) -> ImportResult:
        """Store the lines written, add the new categories they use, record the batch and audit it."""
        result, batch = self.result, self.batch
        if self.writer is not None:
            self.writer.finish()
        self._compare_repeats()
        if self.writer is None:
            return result
        result.matched, result.ambiguous, result.unmatched = (
            self.statuses[s] for s in ("matched", "ambiguous", "unmatched"))
        for name in self.checker.new.values():
            if name in self.used_new_categories:
                db.session.add(SpendCategory(institution_id=self.institution.id, name=name, addressable=True))
                result.new_categories.append(name)
        batch.rows_total, batch.rows_added = result.rows_total, result.added
        db.session.flush()
        audit.record("spend.imported", "import_batch", batch.id, actor=self.actor,
                     institution_id=self.institution.id, detail={
                         "filename": batch.filename, "sha256": batch.sha256, "rows": result.rows_total,
                         "added": result.added, "already_imported": result.already_imported,
                         "matched": result.matched, "ambiguous": result.ambiguous, "unmatched": result.unmatched,
                         "new_categories": result.new_categories, "differing": result.differing})
        result.batch_id = batch.id
        return result


    def _compare_repeats(self) -> None:
        """Count (and describe the first few) already imported lines whose values this file changes.

        Re-importing never changes a stored line (the first import stands, and links made in the
        review queue with it), but a corrected extract should not pass in silence.
        """
        table = SpendLine.__table__
        columns = [table.c.line_id, *(table.c[name] for name in COMPARED)]
        for start in range(0, len(self.repeats), 1000):
            chunk = self.repeats[start:start + 1000]
            stored = {row[0]: row[1:] for row in db.session.execute(sa.select(*columns).where(
                table.c.institution_id == self.institution.id, table.c.line_id.in_([r[0] for _, r in chunk])))}
            for line, row in chunk:
                was = stored.get(row[0])
                if was is None:
                    continue
                changed = [(name, new, old) for name, new, old in zip(COMPARED, row[1:], was, strict=True)
                           if (new.lower() != old.lower() if name == "category" else new != old)]
                if changed:
                    self.result.differing += 1
                    if len(self.result.differences) < DIFFERENCES_SHOWN:
                        self.result.differences.append(f"line {line} ({row[0]}): " + ", ".join(
                            f"{name} {_shown(new)} here, {_shown(old)} stored" for name, new, old in changed))


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "(blank)" if value is None else str(value)


def warnings(result: ImportResult) -> list[str]:
    """What an officer should look at after an applied import: lines the file would change."""
    if not result.differing:
        return []
    more = result.differing - len(result.differences)
    return [f"{result.differing} already imported line(s) differ from this file and were kept as first "
            f"imported (re-importing never changes a stored line): {'; '.join(result.differences)}"
            + (f"; and {more} more." if more else ".")]


def describe(result: ImportResult) -> list[str]:
    """The result in sentences, for the command line and the upload page."""
    lines = [f"{result.rows_total} line(s) read: {result.added} added, "
             f"{result.already_imported} already imported."]
    if result.added:
        lines.append(f"Vendors: {result.matched} matched, {result.ambiguous} ambiguous, "
                     f"{result.unmatched} unmatched (ambiguous and unmatched lines wait in the review queue).")
    if result.new_categories:
        lines.append(f"New addressable categories: {', '.join(result.new_categories)}.")
    if result.ignored_columns:
        lines.append(f"Ignored column(s): {', '.join(result.ignored_columns)}.")
    return lines
