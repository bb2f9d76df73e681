"""Bulk vendor import from an anchor's vendor list (CSV): every row is checked, then all apply or none.

Line numbers are the rows a spreadsheet shows (the header is line 1), so a quoted value
spanning two physical lines still counts as one. Existing vendors are matched by EIN, else by
normalized legal name + ZIP, and existing certifications by vendor, type, agency, number and
dates, so re-importing a file adds nothing. Existing vendor profiles are never changed: a
matched vendor only gains the certifications it did not have. Nothing here commits.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.errors import DomainError
from marketplace.impact.models import ImportBatch
from marketplace.search import sync as search_sync
from marketplace.vendors import import_rows
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.import_rows import COLUMNS, CertRow, ImportRefused, Problem, Record, VendorRow
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

CHUNK = 500


# (phase, total) -> a context manager yielding a bar with `update(n)`; a tqdm bar fits.
ProgressFactory = Callable[[str, int], Any]


class _Silent:
    """The progress bar when nobody watches (the upload page)."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def _silent(_phase: str, _total: int) -> _Silent:
    return _Silent()


@dataclass
class ImportResult:
    """What an applied import did."""

    filename: str
    sha256: str
    rows_total: int
    rows_added: int = 0
    vendors_added: int = 0
    vendors_matched: int = 0
    certifications_added: int = 0
    certifications_existing: int = 0
    verified: bool = False
    extra_columns: list[str] = field(default_factory=list)
    batch_id: int | None = None
    previously_applied_at: datetime | None = None


@dataclass
class PlannedVendor:
    """A vendor of the file (one or more rows) and the existing vendor it matches, if any."""

    key: tuple
    row: VendorRow
    lines: list[int]
    existing_id: int | None = None
    certifications: dict[tuple, CertRow] = field(default_factory=dict)


def resolve_actor(email: str | None, *, verified: bool) -> User | None:
    """The backbone user named by --actor (required with --verified); raise DomainError otherwise."""
    if not email:
        if verified:
            raise DomainError("--verified needs --actor EMAIL: the backbone user who checked the certifications.")
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise DomainError(f"No active user has the email {email.strip()}.")
    if user.role != "backbone":
        raise DomainError(f"{user.email} is not a backbone user; only the backbone verifies certifications.")
    return user


# --- validation -----------------------------------------------------------------------------


def _preload() -> tuple[dict[str, tuple[int, str, str]], dict[tuple[str, str], list[tuple[int, bool]]]]:
    """Existing vendors keyed by EIN, and by (normalized name, principal ZIP): one query each."""
    by_ein = {ein: (vid, norm, name) for vid, ein, norm, name in db.session.execute(
        sa.select(Vendor.id, Vendor.ein, Vendor.normalized_name, Vendor.legal_name).where(Vendor.ein.is_not(None)))}
    by_name_zip: dict[tuple[str, str], list[tuple[int, bool]]] = {}
    for vid, norm, zip_code, ein in db.session.execute(
            sa.select(Vendor.id, Vendor.normalized_name, VendorAddress.zip, Vendor.ein)
            .join(VendorAddress, VendorAddress.vendor_id == Vendor.id)
            .where(VendorAddress.kind == "principal").distinct().order_by(Vendor.id)):
        by_name_zip.setdefault((norm, zip_code), []).append((vid, ein is not None))
    return by_ein, by_name_zip


def _existing_certifications(vendor_ids: list[int]) -> set[tuple]:
    """Match keys of the certifications the matched vendors already hold (any status)."""
    keys: set[tuple] = set()
    for start in range(0, len(vendor_ids), CHUNK):
        for row in db.session.execute(
                sa.select(Certification.vendor_id, Certification.type, Certification.agency, Certification.number,
                          Certification.effective_on, Certification.expires_on)
                .where(Certification.vendor_id.in_(vendor_ids[start:start + CHUNK]))):
            vendor_id, type_, agency, number, effective_on, expires_on = row
            keys.add((vendor_id, *import_rows.certification_key(type_, agency, number, effective_on, expires_on)))
    return keys


def plan(records: list[Record], width: int, *, progress: ProgressFactory = _silent) -> list[PlannedVendor]:
    """Check every row and group rows into vendors; raise ImportRefused listing every problem."""
    enabled = enabled_types()
    by_ein, by_name_zip = _preload()
    problems: list[Problem] = []
    checked: list[tuple[VendorRow, CertRow | None]] = []
    with progress("Checking", len(records)) as bar:
        for record in records:
            vendor_row, cert_row, row_problems = import_rows.check_row(record, enabled, width)
            problems.extend(row_problems)
            if vendor_row is not None:
                checked.append((vendor_row, cert_row))
            bar.update(1)
    planned: dict[tuple, PlannedVendor] = {}
    file_name_zip: dict[tuple[str, str], list[PlannedVendor]] = {}
    # Rows with an EIN first, so a row without one joins the vendor its name and ZIP belong to.
    for vendor_row, cert_row in sorted(checked, key=lambda pair: pair[0].ein is None):
        name_zip = (vendor_row.normalized_name, vendor_row.zip)
        if vendor_row.ein:
            key: tuple = ("ein", vendor_row.ein)
            if key not in planned:
                existing = by_ein.get(vendor_row.ein)
                if existing and existing[1] != vendor_row.normalized_name:
                    problems.append(Problem(vendor_row.line, (
                        f"EIN {vendor_row.ein} already belongs to the registered vendor “{existing[2]}”, "
                        f"not “{vendor_row.legal_name}”.")))
                    continue
                fallback = [vid for vid, has_ein in by_name_zip.get(name_zip, []) if not has_ein]
                existing_id = existing[0] if existing else (fallback[0] if fallback else None)
                planned[key] = PlannedVendor(key, vendor_row, [], existing_id)
                file_name_zip.setdefault(name_zip, []).append(planned[key])
        else:
            same = file_name_zip.get(name_zip, [])
            if len(same) > 1:
                problems.append(Problem(vendor_row.line, (
                    f"“{vendor_row.legal_name}” in ZIP {vendor_row.zip} matches vendors with different EINs "
                    f"(lines {', '.join(str(p.lines[0]) for p in same)}); give the EIN.")))
                continue
            key = same[0].key if same else ("name", *name_zip)
            if key not in planned:
                existing_ids = [vid for vid, _ in by_name_zip.get(name_zip, [])]
                planned[key] = PlannedVendor(key, vendor_row, [], existing_ids[0] if existing_ids else None)
                file_name_zip.setdefault(name_zip, []).append(planned[key])
        target = planned[key]
        if target.lines:
            conflict = import_rows.merge(target.row, vendor_row, first_line=target.lines[0])
            if conflict:
                problems.append(conflict)
                continue
        target.lines.append(vendor_row.line)
        if cert_row is not None:
            target.certifications.setdefault(cert_row.key, cert_row)
    if problems:
        raise ImportRefused(f"Nothing was imported: {len(problems)} problem(s) to fix.", problems)
    return sorted(planned.values(), key=lambda p: min(p.lines))


# --- applying -------------------------------------------------------------------------------


def _insert_returning_ids(model: type, values: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one statement (executemany with RETURNING) and return their ids in order."""
    if not values:
        return []
    result = db.session.execute(sa.insert(model).returning(model.id, sort_by_parameter_order=True), values)
    return list(result.scalars())


def apply(vendors: list[PlannedVendor], result: ImportResult, *, actor: User | None, now: datetime,
          progress: ProgressFactory = _silent) -> ImportResult:
    """Insert the new vendors and the certifications not already held, a chunk at a time, in one transaction."""
    batch = ImportBatch(kind="vendors", filename=result.filename[:255], sha256=result.sha256,
                        rows_total=result.rows_total, created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(batch)
    db.session.flush()
    existing_certs = _existing_certifications([v.existing_id for v in vendors if v.existing_id])
    status = "verified" if result.verified else "pending"
    added_lines: set[int] = set()
    with progress("Applying", result.rows_total) as bar:
        for start in range(0, len(vendors), CHUNK):
            chunk = vendors[start:start + CHUNK]
            new = [v for v in chunk if v.existing_id is None]
            ids = _insert_returning_ids(Vendor, [import_rows.vendor_values(v.row, now) for v in new])
            for planned, vendor_id in zip(new, ids, strict=True):
                planned.existing_id = vendor_id
                added_lines.add(planned.lines[0])
            if new:
                db.session.execute(sa.insert(VendorAddress),
                                   [import_rows.address_values(v.row, v.existing_id) for v in new])
            naics = [{"vendor_id": v.existing_id, "code": code, "is_primary": i == 0}
                     for v in new for i, code in enumerate(v.row.naics)]
            if naics:
                db.session.execute(sa.insert(VendorNaics), naics)
            certs: list[tuple[CertRow, dict[str, Any]]] = []
            for planned in chunk:
                for key, cert in planned.certifications.items():
                    if (planned.existing_id, *key) in existing_certs:
                        result.certifications_existing += 1
                        continue
                    certs.append((cert, import_rows.certification_values(
                        cert, planned.existing_id, status=status, actor=actor, now=now)))
            cert_ids = _insert_returning_ids(Certification, [values for _, values in certs])
            for (cert, values), cert_id in zip(certs, cert_ids, strict=True):
                added_lines.add(cert.line)
                if status == "verified":
                    audit.record("certification.verified", "certification", cert_id, actor=actor, at=now,
                                 detail={"source": "import", "import_batch_id": batch.id,
                                         "vendor_id": values["vendor_id"], "type": cert.type})
            result.vendors_added += len(new)
            result.vendors_matched += len(chunk) - len(new)
            result.certifications_added += len(certs)
            bar.update(sum(len(v.lines) for v in chunk))
    # Bulk statements fire no flush events: tell the search index which vendors changed.
    search_sync.record(db.session, "vendor", {v.existing_id for v in vendors if v.existing_id})
    result.rows_added = len(added_lines)
    result.batch_id = batch.id
    batch.rows_added = result.rows_added
    audit.record("import.applied", "import_batch", batch.id, actor=actor, at=now, detail={
        "kind": "vendors", "filename": batch.filename, "sha256": batch.sha256, "rows_total": result.rows_total,
        "rows_added": result.rows_added, "vendors_added": result.vendors_added,
        "vendors_matched": result.vendors_matched, "certifications_added": result.certifications_added,
        "certifications_status": status})
    db.session.flush()
    return result


def import_vendors(data: bytes, filename: str, *, actor: User | None, verified: bool, now: datetime,
                   progress: ProgressFactory = _silent) -> ImportResult:
    """Check the whole file, then add its new vendors and certifications; raise ImportRefused on any problem."""
    if verified and (actor is None or actor.role != "backbone"):
        raise DomainError("Only a backbone user can import certifications as verified.")
    records, extra, width = import_rows.read_csv(data)
    try:
        vendors = plan(records, width, progress=progress)
    except ImportRefused as refused:
        raise ImportRefused(refused.message, refused.problems, extra) from None
    digest = hashlib.sha256(data).hexdigest()
    previous = db.session.scalar(sa.select(sa.func.min(ImportBatch.created_at)).where(
        ImportBatch.kind == "vendors", ImportBatch.sha256 == digest))
    result = ImportResult(filename=filename, sha256=digest, rows_total=len(records), verified=verified,
                          extra_columns=extra, previously_applied_at=previous)
    try:
        with db.session.begin_nested():
            return apply(vendors, result, actor=actor, now=now, progress=progress)
    except IntegrityError:
        # Someone registered one of these EINs between the check and the insert: one wins, the file waits.
        raise DomainError("A vendor in the file was registered by someone else while importing. "
                          "Nothing was imported; run the import again.") from None


def template_csv() -> str:
    """A header line and one example row, for the upload page's download link."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(["Rivera Plumbing LLC", "Rivera Pipes", "12-3456789", "office@riverapipes.example.com",
                     "100 Las Olas Blvd", "Fort Lauderdale", "FL", "33301", "238220;561720",
                     "MBE", "Florida Office of Supplier Diversity", "MBE-2024-0113", "2024-01-15", "2026-01-14"])
    return buffer.getvalue()

