"""Vendor businesses, their dated addresses, NAICS codes and certifications."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import CERTIFICATION_TYPES, one_of

REVENUE_BANDS = ("under_1m", "1m_5m", "5m_10m", "10m_25m", "25m_100m", "over_100m")
CERTIFICATION_STATUSES = ("self_attested", "pending", "verified", "rejected", "withdrawn")


class Vendor(Base):
    """A business: one profile seen by every institution."""

    __tablename__ = "vendors"

    id: Mapped[intpk]
    legal_name: Mapped[str] = mapped_column(sa.String(255))
    normalized_name: Mapped[str] = mapped_column(sa.String(255), index=True)
    dba: Mapped[str | None] = mapped_column(sa.String(255))
    ein: Mapped[str | None] = mapped_column(sa.String(10), unique=True)
    website: Mapped[str | None] = mapped_column(sa.String(255))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    year_established: Mapped[int | None]
    employees: Mapped[int | None]
    revenue_band: Mapped[str | None] = mapped_column(sa.String(20))
    capability_statement: Mapped[str] = mapped_column(sa.Text, default="")
    registration_completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    users = relationship("User", back_populates="vendor")
    addresses: Mapped[list[VendorAddress]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorAddress.id"
    )
    naics_codes: Mapped[list[VendorNaics]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorNaics.code"
    )
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="vendor", order_by="Certification.id"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "revenue_band IS NULL OR revenue_band IN ("
            + ", ".join(f"'{b}'" for b in REVENUE_BANDS)
            + ")",
            name="revenue_band_valid",
        ),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_nonnegative"),
    )


class VendorAddress(Base):
    """An address with the dates it was in force; NULL `effective_from` means "since always"."""

    __tablename__ = "vendor_addresses"

    id: Mapped[intpk]
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    line1: Mapped[str] = mapped_column(sa.String(200))
    line2: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(2))
    zip: Mapped[str] = mapped_column(sa.String(5), index=True)
    county: Mapped[str | None] = mapped_column(sa.String(100))
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]
    vendor: Mapped[Vendor] = relationship(back_populates="addresses")

    __table_args__ = (
        one_of("kind", ("principal", "office")),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from",
            name="dates_ordered",
        ),
    )


class VendorNaics(Base):
    """A 2022 NAICS code a vendor works in; at most one is primary."""

    __tablename__ = "vendor_naics"

    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vendors.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True, index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    vendor: Mapped[Vendor] = relationship(back_populates="naics_codes")

    __table_args__ = (
        sa.Index(
            "uq_vendor_naics_one_primary",
            "vendor_id",
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        ),
    )


class Certification(Base):
    """A certification claim and its verification; `expired` is derived from the dates."""

    __tablename__ = "certifications"

    id: Mapped[intpk]
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    agency: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[str | None] = mapped_column(sa.String(100))
    effective_on: Mapped[date]
    expires_on: Mapped[date]
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="self_attested")
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    renews_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certifications.id"))
    created_at: Mapped[datetime]
    vendor: Mapped[Vendor] = relationship(back_populates="certifications")
    document = relationship("Document")

    __table_args__ = (
        one_of("type", CERTIFICATION_TYPES),
        one_of("status", CERTIFICATION_STATUSES),
        sa.CheckConstraint("expires_on >= effective_on", name="dates_ordered"),
        sa.Index("ix_certifications_type_status", "type", "status"),
    )

    def effective_status(self, on: date) -> str:
        """The status as shown on `on`: a verified or claimed certificate past expiry is expired."""
        if self.status in ("verified", "self_attested", "pending") and on > self.expires_on:
            return "expired"
        return self.status


class CertificationReminder(Base):
    """One expiry reminder sent; the unique key makes `certifications remind` idempotent."""

    __tablename__ = "certification_reminders"

    id: Mapped[intpk]
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey("certifications.id"))
    days_before: Mapped[int]
    sent_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("certification_id", "days_before"),)
