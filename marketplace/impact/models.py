"""Spend lines, import batches and goals: what the impact percentages are computed from."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import one_of

MATCH_STATUSES = ("matched", "ambiguous", "unmatched", "manual")
GOAL_CATEGORIES = (
    "local", "small", "mwbe", "diverse", "any_impact",
    "sbe", "mbe", "wbe", "dbe", "dobe", "vbe", "sdvob", "lgbtbe", "employee_owned",
)


class ImportBatch(Base):
    """One applied import file (vendors or spend), with its checksum and row counts."""

    __tablename__ = "import_batches"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(sa.String(20))
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_added: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (one_of("kind", ("vendors", "spend")),)


class SpendLine(Base):
    """One payment (or credit) by an institution, the unit the percentages are computed from."""

    __tablename__ = "spend_lines"

    id: Mapped[intpk]
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"))
    line_id: Mapped[str] = mapped_column(sa.String(100))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    vendor_name: Mapped[str] = mapped_column(sa.String(255))
    ein: Mapped[str | None] = mapped_column(sa.String(10))
    zip: Mapped[str | None] = mapped_column(sa.String(10))
    amount: Mapped[Decimal]
    payment_date: Mapped[date]
    category: Mapped[str] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(10))
    tier: Mapped[int] = mapped_column(default=1)
    prime_vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"))
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    match_status: Mapped[str] = mapped_column(sa.String(20), default="unmatched")
    created_at: Mapped[datetime]
    vendor = relationship("Vendor", foreign_keys=[vendor_id])

    __table_args__ = (
        sa.UniqueConstraint("institution_id", "line_id"),
        one_of("source", ("award", "import", "api")),
        one_of("match_status", MATCH_STATUSES),
        sa.CheckConstraint("tier IN (1, 2)", name="tier_valid"),
        sa.Index("ix_spend_lines_institution_date", "institution_id", "payment_date"),
    )


class Goal(Base):
    """A target share for an institution (or the whole collaborative when institution is NULL)."""

    __tablename__ = "goals"

    id: Mapped[intpk]
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    baseline_period: Mapped[str] = mapped_column(sa.String(10))
    target_kind: Mapped[str] = mapped_column(sa.String(10))
    target_value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 6))
    target_date: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    institution = relationship("Institution")

    __table_args__ = (
        one_of("category", GOAL_CATEGORIES),
        one_of("target_kind", ("share", "multiple")),
        sa.CheckConstraint("target_value > 0", name="target_positive"),
    )


def _cents() -> Mapped[int]:
    return mapped_column(sa.BigInteger, default=0)


class ImpactRollup(Base):
    """One institution's exact sums for one calendar month, in integer cents (see `impact.rollup`).

    Columns mirror `institution_figures`: total, addressable, and for each report category the
    verified amount and the potential (unverified claims) amount. Categories the collaborative
    has not enabled stay 0. A row is exact for the configuration named in its institution's
    `ImpactRollupState` unless an `ImpactRollupStale` marker names its month.
    """

    __tablename__ = "impact_rollups"

    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                                                primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    total_cents: Mapped[int] = _cents()
    addressable_cents: Mapped[int] = _cents()
    local_cents: Mapped[int] = _cents()
    local_potential_cents: Mapped[int] = _cents()
    small_cents: Mapped[int] = _cents()
    small_potential_cents: Mapped[int] = _cents()
    mwbe_cents: Mapped[int] = _cents()
    mwbe_potential_cents: Mapped[int] = _cents()
    diverse_cents: Mapped[int] = _cents()
    diverse_potential_cents: Mapped[int] = _cents()
    any_impact_cents: Mapped[int] = _cents()
    any_impact_potential_cents: Mapped[int] = _cents()
    sbe_cents: Mapped[int] = _cents()
    sbe_potential_cents: Mapped[int] = _cents()
    mbe_cents: Mapped[int] = _cents()
    mbe_potential_cents: Mapped[int] = _cents()
    wbe_cents: Mapped[int] = _cents()
    wbe_potential_cents: Mapped[int] = _cents()
    dbe_cents: Mapped[int] = _cents()
    dbe_potential_cents: Mapped[int] = _cents()
    dobe_cents: Mapped[int] = _cents()
    dobe_potential_cents: Mapped[int] = _cents()
    vbe_cents: Mapped[int] = _cents()
    vbe_potential_cents: Mapped[int] = _cents()
    sdvob_cents: Mapped[int] = _cents()
    sdvob_potential_cents: Mapped[int] = _cents()
    lgbtbe_cents: Mapped[int] = _cents()
    lgbtbe_potential_cents: Mapped[int] = _cents()
    employee_owned_cents: Mapped[int] = _cents()
    employee_owned_potential_cents: Mapped[int] = _cents()


class ImpactRollupState(Base):
    """The configuration (expiry rule, enabled types, region, fiscal year) an institution's rollup was built under."""

    __tablename__ = "impact_rollup_states"

    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                                                primary_key=True)
    config: Mapped[str] = mapped_column(sa.String(400))
    refreshed_at: Mapped[datetime]


class ImpactRollupStale(Base):
    """A rollup cell (or, with NULLs, every month or every institution) whose inputs changed.

    Written in the same transaction as the change; removed once the cell is recomputed.
    """

    __tablename__ = "impact_rollup_stale"

    id: Mapped[intpk]
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id", ondelete="CASCADE"))
    month: Mapped[date | None]
    token: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]

    __table_args__ = (sa.Index("ix_impact_rollup_stale_institution_month", "institution_id", "month"),)
