"""Opportunities (bid postings), their Q&A, addenda, followers and invitations."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import OPPORTUNITY_TYPES, SET_ASIDES, one_of


class Opportunity(Base):
    """A solicitation posted by one institution. Its status is derived from its timestamps."""

    __tablename__ = "opportunities"

    id: Mapped[intpk]
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    type: Mapped[str] = mapped_column(sa.String(20))
    set_aside: Mapped[str] = mapped_column(sa.String(20), default="none")
    estimated_value_min: Mapped[Decimal | None]
    estimated_value_max: Mapped[Decimal | None]
    questions_deadline: Mapped[datetime | None]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    opened_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime | None]
    no_award_at: Mapped[datetime | None]
    no_award_reason: Mapped[str | None] = mapped_column(sa.Text)

    institution = relationship("Institution")
    naics_codes: Mapped[list[OpportunityNaics]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="OpportunityNaics.code"
    )
    documents: Mapped[list[OpportunityDocument]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="opportunity", order_by="Question.asked_at"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="opportunity", order_by="Addendum.number"
    )

    __table_args__ = (
        one_of("type", OPPORTUNITY_TYPES),
        one_of("set_aside", SET_ASIDES),
        sa.UniqueConstraint("institution_id", "reference"),
        sa.CheckConstraint(
            "estimated_value_min IS NULL OR estimated_value_max IS NULL"
            " OR estimated_value_min <= estimated_value_max",
            name="estimated_value_ordered",
        ),
        sa.CheckConstraint(
            "questions_deadline IS NULL OR questions_deadline <= closes_at",
            name="questions_before_closing",
        ),
    )


class OpportunityNaics(Base):
    """A NAICS code an opportunity is classified under."""

    __tablename__ = "opportunity_naics"

    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True, index=True)
    opportunity: Mapped[Opportunity] = relationship(back_populates="naics_codes")


class OpportunityDocument(Base):
    """A solicitation document attached to an opportunity."""

    __tablename__ = "opportunity_documents"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    addendum_id: Mapped[int | None] = mapped_column(sa.ForeignKey("addenda.id"))
    opportunity: Mapped[Opportunity] = relationship(back_populates="documents")
    document = relationship("Document")


class Question(Base):
    """A vendor's question; the asker is never shown to other vendors."""

    __tablename__ = "questions"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"))
    asked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opportunity: Mapped[Opportunity] = relationship(back_populates="questions")


class Addendum(Base):
    """A numbered change to a published opportunity, with the officer's note."""

    __tablename__ = "addenda"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    number: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    previous_closes_at: Mapped[datetime | None]
    new_closes_at: Mapped[datetime | None]
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opportunity: Mapped[Opportunity] = relationship(back_populates="addenda")

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "number"),)


class AddendumAcknowledgement(Base):
    """A bidder's acknowledgement of an addendum."""

    __tablename__ = "addendum_acknowledgements"

    id: Mapped[intpk]
    addendum_id: Mapped[int] = mapped_column(sa.ForeignKey("addenda.id"))
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"))
    acknowledged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("addendum_id", "vendor_id"),)


class Follow(Base):
    """A vendor following an opportunity, to be told of answers, addenda and the award."""

    __tablename__ = "follows"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"))
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "vendor_id"),)


class OpportunityInvitation(Base):
    """An officer's invitation to a suggested vendor to bid."""

    __tablename__ = "opportunity_invitations"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"))
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    invited_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "vendor_id"),)


class BidOpening(Base):
    """An officer's act of opening the bids (two rows when two openers are required)."""

    __tablename__ = "bid_openings"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "officer_id"),)
