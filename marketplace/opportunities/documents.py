"""Solicitation documents: attached to a draft directly, after publishing only through an addendum.

A document attached to a draft is seen only by the institution's officers; once the
opportunity is published its documents are public (see `opportunity_document_access`).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.documents.models import Document
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Addendum, Opportunity, OpportunityDocument
from marketplace.opportunities.services import ensure_officer_of

MAX_DOCUMENTS = 30


def _check_owned(opportunity: Opportunity, documents: list[Document]) -> None:
    for document in documents:
        if document.institution_id != opportunity.institution_id or document.vendor_id is not None:
            raise NotFound("We could not find that document.")
    if len(opportunity.documents) + len(documents) > MAX_DOCUMENTS:
        raise DomainError(f"An opportunity can hold at most {MAX_DOCUMENTS} documents.",
                          {"documents": [f"At most {MAX_DOCUMENTS} documents."]})


def attach_to_draft(opportunity: Opportunity, documents: list[Document], *, actor: User, now: datetime) -> None:
    """Attach institution documents to a draft."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("edit_draft", opportunity, now)
    _check_owned(opportunity, documents)
    for document in documents:
        opportunity.documents.append(OpportunityDocument(document_id=document.id))
    opportunity.updated_at = now
    db.session.flush()
    audit.record("opportunity.documents_attached", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"documents": [d.id for d in documents]})


def remove_from_draft(opportunity: Opportunity, attachment_id: int, *, actor: User, now: datetime) -> None:
    """Detach a document from a draft (published documents stay; change them by addendum)."""
    ensure_officer_of(opportunity, actor)
    lifecycle.require("edit_draft", opportunity, now)
    attachment = next((a for a in opportunity.documents if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("We could not find that document.")
    opportunity.documents.remove(attachment)
    opportunity.updated_at = now
    db.session.flush()
    audit.record("opportunity.document_removed", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"document": attachment.document_id})


def attach_to_addendum(addendum: Addendum, documents: list[Document], *, actor: User, now: datetime) -> None:
    """Attach documents to the addendum being issued in this same request; they become public."""
    opportunity = addendum.opportunity
    ensure_officer_of(opportunity, actor)
    lifecycle.require("issue_addendum", opportunity, now)
    if addendum.issued_at != now:
        raise DomainError("Documents can only be added with a new addendum.")
    if not documents:
        return
    _check_owned(opportunity, documents)
    for document in documents:
        opportunity.documents.append(OpportunityDocument(document_id=document.id, addendum_id=addendum.id))
    addendum.changes = {**(addendum.changes or {}), "documents": [[], [d.filename for d in documents]]}
    db.session.flush()
    audit.record("opportunity.documents_attached", "opportunity", opportunity.id, actor=actor, at=now,
                 detail={"documents": [d.id for d in documents], "addendum": addendum.number})


def public_document(opportunity: Opportunity, document_id: int) -> Document:
    """A document of a published opportunity, for anyone; NotFound otherwise."""
    if opportunity.published_at is None:
        raise NotFound("We could not find that document.")
    document = db.session.scalar(
        sa.select(Document).join(OpportunityDocument, OpportunityDocument.document_id == Document.id)
        .where(OpportunityDocument.opportunity_id == opportunity.id, Document.id == document_id)
    )
    if document is None:
        raise NotFound("We could not find that document.")
    return document


def opportunity_document_access(user: User, document: Document) -> bool | None:
    """Access rule for the documents package: a draft's documents are its institution's only."""
    rows = db.session.execute(
        sa.select(Opportunity.institution_id, Opportunity.published_at)
        .join(OpportunityDocument, OpportunityDocument.opportunity_id == Opportunity.id)
        .where(OpportunityDocument.document_id == document.id)
    ).all()
    if not rows:
        return None
    if any(published_at is not None for _, published_at in rows):
        return True
    return user.role == "officer" and any(user.institution_id == inst for inst, _ in rows)
