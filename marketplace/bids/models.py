"""Sealed bids and their versions. Nothing here is ever hard-deleted."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import one_of


class Bid(Base):
    """A vendor's bid on an opportunity; at most one live (not withdrawn) bid per vendor."""

    __tablename__ = "bids"

    id: Mapped[intpk]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    first_received_at: Mapped[datetime]
    last_received_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    current_version: Mapped[int] = mapped_column(default=1)
    versions: Mapped[list[BidVersion]] = relationship(
        back_populates="bid", order_by="BidVersion.version"
    )
    vendor = relationship("Vendor")
    opportunity = relationship("Opportunity")

    __table_args__ = (
        sa.Index(
            "uq_bids_one_live_per_vendor",
            "opportunity_id",
            "vendor_id",
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
    )


class BidVersion(Base):
    """One accepted submission, revision or withdrawal of a bid, with its receipt time."""

    __tablename__ = "bid_versions"

    id: Mapped[intpk]
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal | None]
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    received_at: Mapped[datetime]
    received_by_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    bid: Mapped[Bid] = relationship(back_populates="versions")
    documents: Mapped[list[BidDocument]] = relationship(back_populates="bid_version")

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "version"),
        one_of("action", ("submit", "revise", "withdraw")),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_nonnegative"),
    )


class BidDocument(Base):
    """A document submitted with a bid version."""

    __tablename__ = "bid_documents"

    id: Mapped[intpk]
    bid_version_id: Mapped[int] = mapped_column(sa.ForeignKey("bid_versions.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    bid_version: Mapped[BidVersion] = relationship(back_populates="documents")
    document = relationship("Document")
