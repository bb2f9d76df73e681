"""Awards, the contracts they create, and debrief requests."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import one_of


class Award(Base):
    """An award of (part of) an opportunity to a vendor; one active award per vendor."""

    __tablename__ = "awards"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    bid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bids.id"))
    amount: Mapped[Decimal]
    contract_start: Mapped[date]
    contract_end: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    awarded_at: Mapped[datetime]
    awarded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    opportunity = relationship("Opportunity")
    vendor = relationship("Vendor")

    __table_args__ = (
        one_of("status", ("active", "cancelled")),
        sa.CheckConstraint("amount >= 0", name="amount_nonnegative"),
        sa.CheckConstraint("contract_end >= contract_start", name="contract_dates_ordered"),
        sa.Index(
            "uq_awards_one_active_per_vendor",
            "opportunity_id",
            "vendor_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )


class Contract(Base):
    """The contract an award creates; spend lines may link to it."""

    __tablename__ = "contracts"

    id: Mapped[intpk]
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("awards.id"), unique=True)
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[Decimal]
    start_on: Mapped[date]
    end_on: Mapped[date]
    created_at: Mapped[datetime]
    award = relationship("Award")

    __table_args__ = (sa.UniqueConstraint("institution_id", "number"),)


class DebriefRequest(Base):
    """An unsuccessful bidder's request for a debrief."""

    __tablename__ = "debrief_requests"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    requested_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "vendor_id"),)
