"""The review queue: an institution's spend lines not yet tied to a vendor, and linking them by hand."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from marketplace import audit, db
from marketplace.errors import DomainError, NotFound
from marketplace.impact.matching import Candidate, VendorIndex
from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.vendors.models import Vendor

OPEN_STATUSES = ("unmatched", "ambiguous")
PAGE_SIZE = 50


@dataclass
class QueuePage:
    """One page of the review queue, with candidate vendors per line."""

    lines: list[SpendLine]
    candidates: dict[int, list[Candidate]]
    page: int
    pages: int
    total: int


def _open_lines(institution_id: int) -> sa.Select:
    return sa.select(SpendLine).where(
        SpendLine.institution_id == institution_id, SpendLine.vendor_id.is_(None),
        SpendLine.match_status.in_(OPEN_STATUSES),
    )


def review_queue(institution_id: int, page: int = 1) -> QueuePage:
    """The institution's ambiguous and unmatched lines, largest amounts first, one page."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(_open_lines(institution_id).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    lines = list(db.session.scalars(
        _open_lines(institution_id)
        .order_by(SpendLine.amount.desc(), SpendLine.payment_date, SpendLine.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ))
    index = VendorIndex() if lines else None
    candidates = {line.id: index.candidates(line.vendor_name, line.zip, line.ein)[:5] for line in lines} if index else {}
    return QueuePage(lines, candidates, page, pages, total)


def get_open_line(institution_id: int, line_pk: int) -> SpendLine:
    """A line of this institution (NotFound for another institution's line)."""
    line = db.session.get(SpendLine, line_pk)
    if line is None or line.institution_id != institution_id:
        raise NotFound("No such spend line.")
    return line


def link_line(line: SpendLine, vendor_id: int, *, actor: Any = None, same_payee: bool = False) -> list[SpendLine]:
    """Tie the line (and, with `same_payee`, every open line with its payee name and ZIP) to a vendor."""
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None:
        raise NotFound("No such vendor.")
    if line.vendor_id is not None:
        raise DomainError("This line is already linked to a vendor.")
    lines = [line]
    if same_payee:
        lines += list(db.session.scalars(_open_lines(line.institution_id).where(
            SpendLine.id != line.id,
            sa.func.lower(SpendLine.vendor_name) == line.vendor_name.lower(),
            SpendLine.zip.is_(None) if line.zip is None else SpendLine.zip == line.zip,
        ).order_by(SpendLine.id)))
    for item in lines:
        item.vendor_id = vendor.id
        item.match_status = "manual"
    db.session.flush()
    audit.record("spend.linked", "spend_line", line.id, actor=actor, institution_id=line.institution_id, detail={
        "vendor_id": vendor.id, "vendor_name": line.vendor_name, "zip": line.zip, "line_ids": [i.line_id for i in lines],
        "spend_line_ids": [i.id for i in lines],
    })
    return lines


def recent_batches(institution_id: int, limit: int = 10) -> list[ImportBatch]:
    """The institution's latest spend imports."""
    return list(db.session.scalars(
        sa.select(ImportBatch).where(ImportBatch.institution_id == institution_id, ImportBatch.kind == "spend")
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()).limit(limit)
    ))
