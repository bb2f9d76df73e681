"""The collaborative, its region ("local" rules) and its member institutions."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import CERTIFICATION_TYPES, EXPIRY_RULES, SECTORS, one_of


class LocalRule(Base):
    """A region that defines "local": a set of counties plus optional extra ZIP codes."""

    __tablename__ = "local_rules"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200))
    counties: Mapped[list[LocalRuleCounty]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="LocalRuleCounty.id"
    )
    extra_zips: Mapped[list[LocalRuleZip]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="LocalRuleZip.zip"
    )


class LocalRuleCounty(Base):
    """One county of a region, by state code and county name as the `zipcodes` package spells it."""

    __tablename__ = "local_rule_counties"

    id: Mapped[intpk]
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("local_rules.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(sa.String(2))
    county: Mapped[str] = mapped_column(sa.String(100))
    rule: Mapped[LocalRule] = relationship(back_populates="counties")

    __table_args__ = (sa.UniqueConstraint("rule_id", "state", "county"),)


class LocalRuleZip(Base):
    """An extra ZIP code counted as local whatever its county."""

    __tablename__ = "local_rule_zips"

    id: Mapped[intpk]
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("local_rules.id", ondelete="CASCADE"))
    zip: Mapped[str] = mapped_column(sa.String(5))
    rule: Mapped[LocalRule] = relationship(back_populates="extra_zips")

    __table_args__ = (sa.UniqueConstraint("rule_id", "zip"),)


class Collaborative(Base):
    """The one collaborative this deployment serves (a single row) and its settings."""

    __tablename__ = "collaboratives"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200))
    backbone_name: Mapped[str] = mapped_column(sa.String(200), default="")
    local_rule_id: Mapped[int] = mapped_column(sa.ForeignKey("local_rules.id"))
    enabled_certification_types: Mapped[list[str]] = mapped_column(
        sa.JSON, default=lambda: list(CERTIFICATION_TYPES)
    )
    expiry_rule: Mapped[str] = mapped_column(sa.String(20), default="strict")
    grace_days: Mapped[int] = mapped_column(default=0)
    local_rule: Mapped[LocalRule] = relationship()

    __table_args__ = (
        one_of("expiry_rule", EXPIRY_RULES),
        sa.CheckConstraint("grace_days >= 0", name="grace_days_nonnegative"),
    )

    @property
    def expiry_rule_label(self) -> str:
        """The rule as reports name it: strict, fiscal_year or grace_days=N."""
        if self.expiry_rule == "grace_days":
            return f"grace_days={self.grace_days}"
        return self.expiry_rule


class Institution(Base):
    """An anchor institution: one member of the collaborative."""

    __tablename__ = "institutions"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str] = mapped_column(sa.String(30))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    fiscal_year_start_month: Mapped[int] = mapped_column(default=7)
    local_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("local_rules.id"))
    requires_two_openers: Mapped[bool] = mapped_column(default=False)
    addendum_extension_hours: Mapped[int] = mapped_column(default=72)
    created_at: Mapped[datetime]
    local_rule: Mapped[LocalRule | None] = relationship()
    spend_categories: Mapped[list[SpendCategory]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", order_by="SpendCategory.name"
    )

    __table_args__ = (
        one_of("sector", SECTORS),
        sa.CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_year_start_month_valid"
        ),
        sa.CheckConstraint("addendum_extension_hours >= 0", name="addendum_extension_nonnegative"),
    )


class SpendCategory(Base):
    """A spend category of one institution; non-addressable ones leave the denominator."""

    __tablename__ = "spend_categories"

    id: Mapped[intpk]
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    addressable: Mapped[bool] = mapped_column(default=True)
    institution: Mapped[Institution] = relationship(back_populates="spend_categories")

    __table_args__ = (sa.UniqueConstraint("institution_id", "name"),)
