"""Certifications: a vendor's claims, their verification by the backbone, and their history.

The stored status moves only along `TRANSITIONS`; `expired` is never stored, it is derived
from the dates by `Certification.effective_status(on)`. Every change is audited in the same
transaction, and decisions email the vendor through the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from marketplace import audit, db
from marketplace.audit import AuditEvent
from marketplace.auth.models import User
from marketplace.documents.models import Document
from marketplace.errors import DomainError, NotAllowed, NotFound
from marketplace.mail.services import enqueue_template
from marketplace.models_common import CERTIFICATION_TYPE_LABELS as TYPE_LABELS
from marketplace.models_common import CERTIFICATION_TYPES
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.models import Certification, Vendor

STATUS_LABELS = {
    "self_attested": "Self-attested",
    "pending": "Verification pending",
    "verified": "Verified",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "expired": "Expired",
}
# Allowed stored-status changes: action -> (statuses it starts from, status it ends in).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "request_verification": (frozenset({"self_attested"}), "pending"),
    "verify": (frozenset({"pending"}), "verified"),
    "reject": (frozenset({"pending"}), "rejected"),
    "withdraw": (frozenset({"self_attested", "pending", "verified", "rejected"}), "withdrawn"),
}
STATE_WORDS = {
    "self_attested": "self-attested (verification not requested)",
    "pending": "waiting for verification",
    "verified": "already verified",
    "rejected": "already rejected",
    "withdrawn": "withdrawn",
}
REFUSALS = {
    "request_verification": "Only a self-attested certification can be sent for verification; this one is {state}.",
    "verify": "Only a certification waiting for verification can be verified; this one is {state}.",
    "reject": "Only a certification waiting for verification can be rejected; this one is {state}.",
    "withdraw": "This certification is already withdrawn.",
}
# A renewal that is withdrawn or rejected does not replace the certification it renews.
LIVE_STATUSES = ("self_attested", "pending", "verified")


@dataclass(frozen=True)
class CertificationInput:
    """What a vendor enters for a certification."""

    type: str
    agency: str
    number: str | None
    effective_on: date | None
    expires_on: date | None


def type_label(code: str) -> str:
    """The readable name of a certification type."""
    return TYPE_LABELS.get(code, code)


def status_label(status: str) -> str:
    """The readable name of a (derived) status."""
    return STATUS_LABELS.get(status, status)


def validate(data: CertificationInput) -> None:
    """Refuse a claim with missing fields, a disabled type or an expiry before the effective date."""
    errors: dict[str, list[str]] = {}
    if data.type not in CERTIFICATION_TYPES or data.type not in enabled_types():
        errors["type"] = ["Choose a certification type the collaborative uses."]
    if not data.agency.strip():
        errors["agency"] = ["Enter the agency that issued the certificate."]
    if data.effective_on is None:
        errors["effective_on"] = ["Enter the date the certificate took effect."]
    if data.expires_on is None:
        errors["expires_on"] = ["Enter the date the certificate expires."]
    elif data.effective_on is not None and data.expires_on < data.effective_on:
        errors["expires_on"] = ["The expiry date must be on or after the effective date."]
    if errors:
        raise DomainError("The certification has invalid fields.", errors)


def _vendor_document(document: Document | None, vendor: Vendor) -> Document | None:
    if document is not None and document.vendor_id != vendor.id:
        raise NotAllowed("That document belongs to another business.")
    return document


def add(vendor: Vendor, data: CertificationInput, *, actor: User, now: datetime,
        document: Document | None = None, renews: Certification | None = None) -> Certification:
    """Record a self-attested certification (optionally renewing an older one)."""
    validate(data)
    assert data.effective_on is not None and data.expires_on is not None
    cert = Certification(
        vendor_id=vendor.id,
        type=data.type,
        agency=data.agency.strip(),
        number=(data.number or "").strip() or None,
        effective_on=data.effective_on,
        expires_on=data.expires_on,
        document_id=_vendor_document(document, vendor).id if document is not None else None,
        status="self_attested",
        renews_id=renews.id if renews is not None else None,
        created_at=now,
    )
    db.session.add(cert)
    db.session.flush()
    audit.record("certification.renewed" if renews else "certification.added", "certification", cert.id,
                 actor=actor, at=now, detail=_detail(cert))
    return cert


def renewal_of(cert: Certification) -> Certification | None:
    """The live certification that renews `cert`, if any."""
    return db.session.scalar(sa.select(Certification).where(
        Certification.renews_id == cert.id, Certification.status.in_(LIVE_STATUSES)).order_by(Certification.id))


def renew(old: Certification, data: CertificationInput, *, actor: User, now: datetime,
          document: Document | None = None) -> Certification:
    """Add the next certificate of the same type; the old one stays in the history."""
    if old.status == "withdrawn":
        raise DomainError("A withdrawn certification cannot be renewed; add a new one instead.")
    newer = renewal_of(old)
    if newer is not None:
        raise DomainError(f"This certification has already been renewed (certification {newer.id}); "
                          "renew that one instead.")
    if data.type != old.type:
        raise DomainError("A renewal keeps the type of the certification it renews.",
                          {"type": [f"A renewal must be of type {old.type}."]})
    return add(old.vendor, data, actor=actor, now=now, document=document, renews=old)


def attach_document(cert: Certification, document: Document, *, actor: User, now: datetime) -> None:
    """Attach (or replace) the certificate document of a claim not yet sent for verification."""
    if cert.status != "self_attested":
        raise DomainError(f"The document can only be changed before verification is requested; "
                          f"this certification is {status_label(cert.status).lower()}.")
    cert.document_id = _vendor_document(document, cert.vendor).id
    db.session.flush()
    audit.record("certification.document_attached", "certification", cert.id, actor=actor, at=now,
                 detail={"document_id": document.id, "sha256": document.sha256})


def _transition(cert: Certification, action: str, **values: object) -> None:
    """Move the stored status with a conditional UPDATE, so two racing decisions end in one winner."""
    sources, target = TRANSITIONS[action]
    result = db.session.execute(
        sa.update(Certification)
        .where(Certification.id == cert.id, Certification.status.in_(sources))
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(cert)
    if result.rowcount != 1:
        raise DomainError(REFUSALS[action].format(state=STATE_WORDS.get(cert.status, cert.status)))


def ensure_pending(cert: Certification, action: str = "verify") -> None:
    """Refuse (409) a decision on a claim that is no longer waiting for verification."""
    if cert.status != "pending":
        raise DomainError(REFUSALS[action].format(state=STATE_WORDS.get(cert.status, cert.status)))


def request_verification(cert: Certification, *, actor: User, now: datetime) -> None:
    """Send a self-attested claim to the backbone's queue; it needs a document and must not be expired."""
    if cert.status == "self_attested":
        if cert.document_id is None:
            raise DomainError("Upload the certificate document before asking for verification.")
        if cert.effective_status(now.date()) == "expired":
            raise DomainError("This certificate has expired; renew it instead of asking for verification.")
    _transition(cert, "request_verification")
    audit.record("certification.verification_requested", "certification", cert.id, actor=actor, at=now,
                 detail=_detail(cert))


def withdraw(cert: Certification, *, actor: User, now: datetime) -> None:
    """Withdraw a certification; it stays in the history."""
    previous = cert.status
    _transition(cert, "withdraw")
    audit.record("certification.withdrawn", "certification", cert.id, actor=actor, at=now,
                 detail={**_detail(cert), "previous_status": previous})


def _ensure_can_decide(cert: Certification, actor: User) -> None:
    if actor.role != "backbone":
        raise NotAllowed("Only the backbone organization verifies certifications.")
    if actor.vendor_id is not None and actor.vendor_id == cert.vendor_id:
        raise NotAllowed("You cannot decide on your own business's certification.")


def verify(cert: Certification, *, actor: User, now: datetime) -> None:
    """Mark a pending claim verified, audit it and email the vendor."""
    _ensure_can_decide(cert, actor)
    _transition(cert, "verify", verified_by_id=actor.id, verified_at=now, rejection_reason=None)
    audit.record("certification.verified", "certification", cert.id, actor=actor, at=now,
                 detail=_detail(cert))
    notify(cert, "verified", f"Your {cert.type} certification is verified", "certification_verified")


def reject(cert: Certification, reason: str, *, actor: User, now: datetime) -> None:
    """Reject a pending claim with a reason the vendor will read, audit it and email the vendor."""
    _ensure_can_decide(cert, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for rejecting the certification.",
                          {"reason": ["Give the reason; the vendor will read it."]})
    _transition(cert, "reject", rejection_reason=reason, verified_by_id=actor.id, verified_at=now)
    audit.record("certification.rejected", "certification", cert.id, actor=actor, at=now,
                 detail={**_detail(cert), "reason": reason})
    notify(cert, "rejected", f"Your {cert.type} certification was not verified", "certification_rejected")


def _detail(cert: Certification) -> dict[str, object]:
    return {"vendor_id": cert.vendor_id, "type": cert.type, "agency": cert.agency, "number": cert.number,
            "effective_on": cert.effective_on.isoformat(), "expires_on": cert.expires_on.isoformat(),
            "document_id": cert.document_id, "renews_id": cert.renews_id, "status": cert.status}


def certifications_url() -> str:
    """The vendor's certifications page, as an absolute link for emails."""
    return current_app.config["BASE_URL"].rstrip("/") + "/vendor/certifications"


def recipients(vendor: Vendor) -> list[str]:
    """Who hears about a vendor's certifications: its active users, else its contact email."""
    emails = list(db.session.scalars(sa.select(User.email).where(
        User.vendor_id == vendor.id, User.active.is_(True)).order_by(User.id)))
    if not emails and vendor.contact_email:
        emails = [vendor.contact_email]
    return emails


def notify(cert: Certification, event: str, subject: str, template: str, **context: object) -> int:
    """Email the vendor about `event` through the outbox (once per event and address); return how many."""
    sent = 0
    for email in recipients(cert.vendor):
        message = enqueue_template(email, subject, template, dedupe_key=f"cert-{cert.id}-{event}:{email}",
                                   cert=cert, vendor=cert.vendor, type_label=type_label(cert.type),
                                   url=certifications_url(), **context)
        sent += message is not None
    return sent


# --- queries ----------------------------------------------------------------------------


def get_own(cert_id: int, vendor_id: int) -> Certification:
    """A certification of the vendor; another vendor's looks like absence."""
    cert = db.session.get(Certification, cert_id)
    if cert is None or cert.vendor_id != vendor_id:
        raise NotFound("We could not find that certification.")
    return cert


def get(cert_id: int) -> Certification:
    """A certification by id (backbone)."""
    cert = db.session.get(Certification, cert_id)
    if cert is None:
        raise NotFound("We could not find that certification.")
    return cert


@dataclass(frozen=True)
class VendorCertifications:
    """A vendor's certifications split into the ones in force and the history."""

    current: list[Certification]
    history: list[Certification]
    renewed_by: dict[int, Certification]


def for_vendor(vendor_id: int) -> VendorCertifications:
    """Current claims (newest first) and history: withdrawn ones and those replaced by a renewal."""
    certs = list(db.session.scalars(sa.select(Certification).where(Certification.vendor_id == vendor_id)
                                    .order_by(Certification.type, Certification.expires_on.desc(),
                                              Certification.id.desc())))
    renewed_by: dict[int, Certification] = {}
    for cert in sorted(certs, key=lambda c: c.id):
        if cert.renews_id is not None and cert.status in LIVE_STATUSES:
            renewed_by[cert.renews_id] = cert
    current = [c for c in certs if c.status != "withdrawn" and c.id not in renewed_by]
    history = [c for c in certs if c.status == "withdrawn" or c.id in renewed_by]
    return VendorCertifications(current, history, renewed_by)


def requested_at_column() -> sa.ColumnElement[datetime]:
    """When verification was last requested (from the audit trail), else when the claim was added."""
    requested = (
        sa.select(sa.func.max(AuditEvent.occurred_at))
        .where(AuditEvent.action == "certification.verification_requested",
               AuditEvent.object_type == "certification",
               AuditEvent.object_id == sa.cast(Certification.id, sa.String))
        .correlate(Certification)
        .scalar_subquery()
    )
    return sa.func.coalesce(requested, Certification.created_at)


def pending_queue() -> list[tuple[Certification, datetime]]:
    """Claims waiting for verification, longest-waiting first, with the time each was sent."""
    waiting = requested_at_column().label("requested_at")
    rows = db.session.execute(sa.select(Certification, waiting).where(Certification.status == "pending")
                              .order_by(waiting, Certification.id)).all()
    return [(cert, requested) for cert, requested in rows]
