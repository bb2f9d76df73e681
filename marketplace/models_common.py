"""Small helpers shared by the domain models."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa


def one_of(column: str, values: Iterable[str], name: str | None = None) -> sa.CheckConstraint:
    """A CHECK constraint keeping `column` within a fixed vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


CERTIFICATION_TYPES = ("SBE", "MBE", "WBE", "DBE", "DOBE", "VBE", "SDVOB", "LGBTBE", "employee_owned")
CERTIFICATION_TYPE_LABELS = {
    "SBE": "SBE: small business",
    "MBE": "MBE: minority-owned",
    "WBE": "WBE: woman-owned",
    "DBE": "DBE: disadvantaged",
    "DOBE": "DOBE: disability-owned",
    "VBE": "VBE: veteran-owned",
    "SDVOB": "SDVOB: service-disabled veteran-owned",
    "LGBTBE": "LGBTBE: LGBT-owned",
    "employee_owned": "Employee-owned",
}
DIVERSE_TYPES = ("MBE", "WBE", "DBE", "DOBE", "VBE", "SDVOB", "LGBTBE")
ROLES = ("vendor", "officer", "backbone")
SECTORS = ("health", "higher_education", "k12", "city", "county", "other")
OPPORTUNITY_TYPES = ("RFP", "RFQ", "ITB", "informal_quote")
SET_ASIDES = ("none", "small", "local", "mwbe", "diverse")
EXPIRY_RULES = ("strict", "fiscal_year", "grace_days")
