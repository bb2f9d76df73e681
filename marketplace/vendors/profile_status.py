"""What a vendor counts as today: small (verified or self-attested) and local for each institution."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace import db
from marketplace.institutions.models import Institution, LocalRule
from marketplace.vendors.eligibility import verified_certifications_on
from marketplace.vendors.local import LocalStatus, is_local, rule_for
from marketplace.vendors.models import Vendor

SMALL_MAX_EMPLOYEES = 500  # fewer than this many
SMALL_REVENUE_BANDS = ("under_1m", "1m_5m", "5m_10m")  # up to $10 million


@dataclass(frozen=True)
class SmallStatus:
    """Whether a business counts as small, why, and whether that is verified."""

    is_small: bool
    reason: str
    verified: bool


def small_status(vendor: Vendor, on: date) -> SmallStatus:
    """A verified SBE certificate valid on `on`, else self-attested size facts, else not small."""
    held = verified_certifications_on(vendor, on, ("SBE",))
    if held:
        cert = max(held, key=lambda c: c.expires_on)
        number = f" no. {cert.number}" if cert.number else ""
        return SmallStatus(True, f"Small business: verified SBE certificate{number} from {cert.agency}, "
                                 f"valid until {cert.expires_on.isoformat()}", True)
    if (vendor.employees is not None and vendor.employees < SMALL_MAX_EMPLOYEES
            and vendor.revenue_band in SMALL_REVENUE_BANDS):
        return SmallStatus(True, "Self-attested small (from employees and revenue; not verified)", False)
    if vendor.employees is None or vendor.revenue_band is None:
        return SmallStatus(False, "Not small: employees and revenue not given yet", False)
    return SmallStatus(False, "Not small: 500 or more employees or revenue over $10 million, "
                              "and no verified SBE certificate", False)


@dataclass(frozen=True)
class InstitutionLocal:
    """The local answer for one institution under the rule it uses."""

    institution: Institution
    rule: LocalRule | None
    status: LocalStatus

    @property
    def sentence(self) -> str:
        """'Local for X: principal place of business in …' or 'Not local for X: …'."""
        prefix = "Local" if self.status.is_local else "Not local"
        return f"{prefix} for {self.institution.name}: {self.status.reason}"


def _with_rules():
    return (
        selectinload(Institution.local_rule).selectinload(LocalRule.counties),
        selectinload(Institution.local_rule).selectinload(LocalRule.extra_zips),
    )


def local_statuses(vendor: Vendor, on: date, institution_id: int | None = None) -> list[InstitutionLocal]:
    """Local status for every institution (or one), loading institutions and rules in a few fixed queries."""
    query = sa.select(Institution).options(*_with_rules()).order_by(Institution.name)
    if institution_id is not None:
        query = query.where(Institution.id == institution_id)
    institutions = db.session.scalars(query).all()
    shared = rule_for(None) if any(i.local_rule is None for i in institutions) else None
    answers = []
    for institution in institutions:
        rule = institution.local_rule if institution.local_rule is not None else shared
        if rule is None:
            status = LocalStatus(False, "the region has not been defined yet")
        else:
            status = is_local(vendor, rule, on)
        answers.append(InstitutionLocal(institution, rule, status))
    return answers
