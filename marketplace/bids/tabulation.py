"""The bid tabulation: every live bid once the bids are opened, with what each vendor held on the closing date.

One query per table (bids with their current version and vendor, documents, addenda,
acknowledgements, certifications), never one per bid.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from marketplace import db
from marketplace.auth.models import User
from marketplace.bids.models import Bid, BidDocument, BidVersion
from marketplace.documents.models import Document
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities.models import Addendum, AddendumAcknowledgement, Opportunity
from marketplace.timezones import utc_to_local
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.models import Certification, Vendor


class NotOpenedYet(DomainError):
    """The bids are still sealed (409); says nothing about whether any exist."""


@dataclass(frozen=True)
class TabulatedDocument:
    """A document of the bid's current version."""

    document_id: int
    filename: str
    sha256: str


@dataclass(frozen=True)
class HeldCertification:
    """A verified certification valid on the closing date."""

    type: str
    agency: str
    number: str | None
    effective_on: date
    expires_on: date


@dataclass(frozen=True)
class TabulationRow:
    """One live bid as it stood at closing."""

    bid_id: int
    vendor_id: int
    vendor_name: str
    amount: Decimal | None
    received_at: datetime
    version: int
    documents: tuple[TabulatedDocument, ...]
    acknowledged: tuple[tuple[int, bool], ...]  # (addendum number, acknowledged?)
    certifications: tuple[HeldCertification, ...]


@dataclass(frozen=True)
class Tabulation:
    """The tabulation of an opened opportunity."""

    opportunity: Opportunity
    closing_date: date
    addendum_numbers: tuple[int, ...]
    rows: tuple[TabulationRow, ...]


def can_tabulate(opportunity: Opportunity, actor: User) -> bool:
    """Officers of the institution and backbone staff (once the bids are opened)."""
    return actor.role == "backbone" or (actor.role == "officer" and actor.institution_id == opportunity.institution_id)


def tabulate(opportunity: Opportunity, *, actor: User, now: datetime) -> Tabulation:
    """List every live bid with amount, documents, receipt, acknowledgements and certifications held at closing."""
    if not can_tabulate(opportunity, actor) or opportunity.published_at is None:
        raise NotFound("We could not find that opportunity.")
    if opportunity.opened_at is None:
        raise NotOpenedYet("The bids have not been opened yet. They stay sealed until an officer opens them "
                           "after the closing time.")
    closing_date = utc_to_local(opportunity.closes_at, opportunity.institution.timezone).date()
    bids = db.session.execute(
        sa.select(Bid, BidVersion, Vendor.legal_name)
        .join(BidVersion, sa.and_(BidVersion.bid_id == Bid.id, BidVersion.version == Bid.current_version))
        .join(Vendor, Vendor.id == Bid.vendor_id)
        .where(Bid.opportunity_id == opportunity.id, Bid.withdrawn_at.is_(None))
        .order_by(BidVersion.amount, Bid.first_received_at, Bid.id)
    ).all()
    version_ids = [version.id for _, version, _ in bids]
    vendor_ids = [bid.vendor_id for bid, _, _ in bids]

    documents: dict[int, list[TabulatedDocument]] = {}
    for version_id, doc_id, filename, sha256 in db.session.execute(
        sa.select(BidDocument.bid_version_id, Document.id, Document.filename, Document.sha256)
        .join(Document, Document.id == BidDocument.document_id)
        .where(BidDocument.bid_version_id.in_(version_ids)).order_by(BidDocument.id)
    ):
        documents.setdefault(version_id, []).append(TabulatedDocument(doc_id, filename, sha256))

    addenda = db.session.execute(
        sa.select(Addendum.id, Addendum.number).where(Addendum.opportunity_id == opportunity.id)
        .order_by(Addendum.number)
    ).all()
    acknowledged = {(addendum_id, vendor_id) for addendum_id, vendor_id in db.session.execute(
        sa.select(AddendumAcknowledgement.addendum_id, AddendumAcknowledgement.vendor_id)
        .where(AddendumAcknowledgement.addendum_id.in_([a.id for a in addenda]),
               AddendumAcknowledgement.vendor_id.in_(vendor_ids)))}

    held: dict[int, list[HeldCertification]] = {}
    for cert in db.session.scalars(
        sa.select(Certification).where(
            Certification.vendor_id.in_(vendor_ids), Certification.status == "verified",
            Certification.type.in_(enabled_types()),
            Certification.effective_on <= closing_date, Certification.expires_on >= closing_date)
        .order_by(Certification.type, Certification.id)
    ):
        held.setdefault(cert.vendor_id, []).append(HeldCertification(
            cert.type, cert.agency, cert.number, cert.effective_on, cert.expires_on))

    rows = tuple(
        TabulationRow(
            bid_id=bid.id, vendor_id=bid.vendor_id, vendor_name=name, amount=version.amount,
            received_at=version.received_at, version=version.version,
            documents=tuple(documents.get(version.id, ())),
            acknowledged=tuple((number, (addendum_id, bid.vendor_id) in acknowledged) for addendum_id, number in addenda),
            certifications=tuple(held.get(bid.vendor_id, ())),
        )
        for bid, version, name in bids
    )
    return Tabulation(opportunity, closing_date, tuple(number for _, number in addenda), rows)


def _cell(value: str) -> str:
    # A cell a spreadsheet would read as a formula is prefixed so it stays text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(tabulation: Tabulation) -> str:
    """The tabulation as CSV: one row per live bid, received times in UTC."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Vendor", "Amount", "Received (UTC)", "Version", "Documents (SHA-256)",
                     *[f"Addendum {n} acknowledged" for n in tabulation.addendum_numbers],
                     f"Certifications held on {tabulation.closing_date.isoformat()}"])
    for row in tabulation.rows:
        writer.writerow([
            _cell(row.vendor_name),
            "" if row.amount is None else f"{row.amount:.2f}",
            row.received_at.isoformat(),
            row.version,
            _cell("; ".join(f"{d.filename} ({d.sha256})" for d in row.documents)),
            *["yes" if ok else "no" for _, ok in row.acknowledged],
            _cell("; ".join(f"{c.type} ({c.agency}, valid {c.effective_on.isoformat()} to {c.expires_on.isoformat()})"
                            for c in row.certifications)),
        ])
    return out.getvalue()
