"""Importing spend lines from ERP/AP extracts: all rows or none, idempotent by line_id.

Every row is checked first and every bad row reported with its line number; only a clean
file is applied, with bulk inserts inside the caller's transaction (the CLI commits once at
the end, a request at its boundary), so a failed or killed import leaves nothing behind.
A `line_id` already stored for the institution is skipped, which makes re-imports add nothing.
"""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from tqdm import tqdm

import marketplace.models  # noqa: F401  (every model: spend lines refer to contracts)
from marketplace import audit, clock, db
from marketplace.errors import DomainError
from marketplace.impact import invalidation
from marketplace.impact.matching import VendorIndex
from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.impact.spend_reader import (
    COLUMNS,
    ImportRejected,
    Problem,
    SpendRow,
    check_header,
    parse_amount,
    parse_date,
    parse_ein,
    parse_zip,
    read_table,
)
from marketplace.institutions.models import Institution, SpendCategory

CHUNK = 5000
MAX_PROBLEMS = 1000  # a file that is wrong throughout: report this many, and say so


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


def _bar(progress: bool, desc: str, total: int | None = None) -> tqdm:
    return tqdm(total=total, desc=desc, unit=" rows", file=sys.stderr, disable=not progress,
                mininterval=0.2, leave=True)


def _category_names(institution: Institution) -> dict[str, str]:
    rows = db.session.scalars(sa.select(SpendCategory.name).where(SpendCategory.institution_id == institution.id))
    return {" ".join(name.split()).lower(): name for name in rows}


def _memo(function: Callable[[str], Any]) -> Callable[[str], Any]:
    """`function` with its results kept per argument (extracts repeat dates, ZIPs, EINs, names)."""
    cache: dict[str, Any] = {}

    def call(raw: str) -> Any:
        found = cache.get(raw, cache)
        if found is cache:
            found = cache[raw] = function(raw)
        return found

    return call


def _check_rows(
    institution: Institution, rows, positions: dict[str, int], *, allow_new_categories: bool, progress: bool,
) -> tuple[list[SpendRow], list[Problem], list[str]]:
    """Check every row; return the good ones, the problems and the categories that would be new."""
    known = _category_names(institution)
    new: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    good: list[SpendRow] = []
    problems: list[Problem] = []
    width = max(positions.values()) + 1

    def resolve_category(raw: str) -> tuple[str, str | None]:
        category = " ".join(raw.split())
        if not category:
            return category, "category is missing"
        if category.lower() in known:
            return known[category.lower()], None
        if allow_new_categories and len(category) <= 100:
            return new.setdefault(category.lower(), category), None
        names = ", ".join(sorted(known.values(), key=str.lower)) or "none yet"
        return category, f"category {category!r} is not one of this institution's spend categories ({names})"

    ein_of, zip_of, date_of = _memo(parse_ein), _memo(parse_zip), _memo(parse_date)
    name_of, category_of = _memo(lambda raw: " ".join(raw.split())), _memo(resolve_category)
    at_line_id, at_name, at_ein, at_zip, at_amount, at_date, at_category = (positions[c] for c in COLUMNS)
    with _bar(progress, "Checking") as bar:
        for line, cells in rows:
            bar.update(1)
            if not "".join(cells).strip():
                continue  # blank lines are not rows
            if cells and cells[0].startswith("\0"):
                problems.append(Problem(line, f"not valid CSV ({cells[0][1:]})"))
                continue
            if len(cells) < width:
                cells = [*cells, *[""] * (width - len(cells))]
            reasons = []
            line_id = cells[at_line_id].strip()
            if not line_id:
                reasons.append("line_id is missing")
            elif len(line_id) > 100:
                reasons.append("line_id is longer than 100 characters")
            elif line_id in first_seen:
                reasons.append(f"line_id {line_id!r} already appears on line {first_seen[line_id]}")
            else:
                first_seen[line_id] = line
            vendor_name = name_of(cells[at_name])
            if not vendor_name:
                reasons.append("vendor_name is missing")
            elif len(vendor_name) > 255:
                reasons.append("vendor_name is longer than 255 characters")
            (ein, why_ein), (zip_code, why_zip) = ein_of(cells[at_ein]), zip_of(cells[at_zip])
            amount, why_amount = parse_amount(cells[at_amount])
            (payment_date, why_date), (category, why_category) = date_of(cells[at_date]), category_of(cells[at_category])
            reasons += [why for why in (why_ein, why_zip, why_amount, why_date, why_category) if why]
            if reasons:
                problems.append(Problem(line, "; ".join(reasons)))
                if len(problems) >= MAX_PROBLEMS:
                    problems.append(Problem(line, f"stopped checking after {MAX_PROBLEMS} bad rows"))
                    break
                continue
            good.append(SpendRow(line, line_id, vendor_name, ein, zip_code, amount, payment_date, category))
    return good, problems, list(new.values())


def _stored_line_ids(institution: Institution, line_ids: list[str]) -> set[str]:
    stored: set[str] = set()
    existing = db.session.scalar(sa.select(sa.func.count()).where(SpendLine.institution_id == institution.id)) or 0
    if existing <= 2 * len(line_ids):  # cheaper to read them all than to ask in chunks
        wanted = set(line_ids)
        return {i for i in db.session.scalars(sa.select(SpendLine.line_id).where(
            SpendLine.institution_id == institution.id)) if i in wanted}
    for start in range(0, len(line_ids), 5000):
        chunk = line_ids[start:start + 5000]
        stored.update(db.session.scalars(sa.select(SpendLine.line_id).where(
            SpendLine.institution_id == institution.id, SpendLine.line_id.in_(chunk))))
    return stored


try:
    from psycopg.errors import UniqueViolation as _UniqueViolation
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs still import
    class _UniqueViolation(Exception):  # type: ignore[no-redef]
        """Never raised."""


LINE_COLUMNS = ("institution_id", "line_id", "vendor_id", "vendor_name", "ein", "zip", "amount", "payment_date",
                "category", "source", "tier", "import_batch_id", "match_status", "created_at")


def _insert_lines(institution_id: int, values: list[tuple]) -> None:
    """Insert spend lines (tuples in LINE_COLUMNS order) in this transaction: COPY on PostgreSQL, else Core."""
    if db.session.get_bind().dialect.name != "postgresql":
        # Core, not the ORM bulk path, which splits a batch wherever NULLs change places.
        db.session.execute(sa.insert(SpendLine.__table__), [dict(zip(LINE_COLUMNS, v, strict=True)) for v in values])
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY spend_lines ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    # COPY bypasses the session's statement events: mark the rollup months here.
    invalidation.mark_lines(db.session(), institution_id, {row[7] for row in values})


def import_spend(
    institution: Institution,
    filename: str,
    data: bytes,
    *,
    actor: Any = None,
    allow_new_categories: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Check the whole extract, then add its new lines (matched to vendors) in this transaction.

    Raises ImportRejected, listing every bad row, when any row is bad; nothing is added then.
    """
    header, rows = read_table(filename, data)
    positions, extra = check_header(header)
    good, problems, new_categories = _check_rows(
        institution, rows, positions, allow_new_categories=allow_new_categories, progress=progress)
    if problems:
        raise ImportRejected(problems)
    stored = _stored_line_ids(institution, [r.line_id for r in good])
    fresh = [r for r in good if r.line_id not in stored]
    result = ImportResult(None, len(good), len(fresh), len(good) - len(fresh), ignored_columns=extra)
    if not fresh:
        return result
    now = clock.utcnow()
    for name in new_categories:
        if any(r.category == name for r in fresh):
            db.session.add(SpendCategory(institution_id=institution.id, name=name, addressable=True))
            result.new_categories.append(name)
    batch = ImportBatch(kind="spend", institution_id=institution.id, filename=(filename or "")[:255],
                        sha256=hashlib.sha256(data).hexdigest(), rows_total=len(good), rows_added=len(fresh),
                        created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(batch)
    db.session.flush()
    index = VendorIndex()
    with _bar(progress, "Applying", total=len(fresh)) as bar:
        for start in range(0, len(fresh), CHUNK):
            values = []
            for row in fresh[start:start + CHUNK]:
                match = index.match(row.vendor_name, row.zip, row.ein)
                setattr(result, match.status, getattr(result, match.status) + 1)
                values.append((institution.id, row.line_id, match.vendor_id, row.vendor_name, row.ein, row.zip,
                               row.amount, row.payment_date, row.category, "import", 1, batch.id, match.status,
                               now))
            try:
                _insert_lines(institution.id, values)
            except (sa.exc.IntegrityError, _UniqueViolation):
                # Another import added some of these line_ids since we looked: the unique key wins.
                raise DomainError("Another import added some of these lines at the same time. Nothing was "
                                  "imported from this file; run it again to add the lines still missing.") from None
            bar.update(len(values))
    audit.record("spend.imported", "import_batch", batch.id, actor=actor, institution_id=institution.id, detail={
        "filename": batch.filename, "sha256": batch.sha256, "rows": len(good), "added": len(fresh),
        "already_imported": result.already_imported, "matched": result.matched,
        "ambiguous": result.ambiguous, "unmatched": result.unmatched, "new_categories": result.new_categories,
    })
    result.batch_id = batch.id
    return result


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
