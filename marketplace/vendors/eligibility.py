"""Set-aside eligibility: checked when a bid is submitted and again at award."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marketplace import db
from marketplace.institutions.models import Collaborative, Institution
from marketplace.models_common import CERTIFICATION_TYPES, DIVERSE_TYPES
from marketplace.vendors.local import is_local, rule_for
from marketplace.vendors.models import Certification, Vendor

SET_ASIDE_TYPES = {"small": ("SBE",), "mwbe": ("MBE", "WBE"), "diverse": DIVERSE_TYPES}
SET_ASIDE_LABELS = {
    "small": "small-business (verified SBE)",
    "mwbe": "MWBE (verified MBE or WBE)",
    "diverse": "diverse-business (a verified MBE, WBE, DBE, DOBE, VBE, SDVOB or LGBTBE certification)",
    "local": "local",
}


@dataclass(frozen=True)
class Eligibility:
    """Whether a vendor may bid on a set-aside, and the reason in plain words."""

    eligible: bool
    reason: str


def enabled_types() -> tuple[str, ...]:
    """The certification types the collaborative has enabled."""
    collaborative = db.session.scalar(sa.select(Collaborative).limit(1))
    if collaborative is None:
        return CERTIFICATION_TYPES
    return tuple(t for t in CERTIFICATION_TYPES if t in (collaborative.enabled_certification_types or []))


def verified_certifications_on(vendor: Vendor, on: date, types: tuple[str, ...]) -> list[Certification]:
    """Verified certifications of `types` valid on `on` (effective <= on <= expires)."""
    return [
        c for c in vendor.certifications
        if c.type in types and c.status == "verified" and c.effective_on <= on <= c.expires_on
    ]


def check_set_aside(vendor: Vendor, set_aside: str, institution: Institution, on: date) -> Eligibility:
    """Decide eligibility for `set_aside` on `on`, with the reason."""
    if set_aside == "none":
        return Eligibility(True, "open to all vendors")
    if set_aside == "local":
        rule = rule_for(institution)
        if rule is None:
            return Eligibility(False, "the region has not been defined yet")
        status = is_local(vendor, rule, on)
        if status.is_local:
            return Eligibility(True, f"local: {status.reason}")
        return Eligibility(False, f"This opportunity is set aside for local businesses; your {status.reason}.")
    types = tuple(t for t in SET_ASIDE_TYPES[set_aside] if t in enabled_types())
    held = verified_certifications_on(vendor, on, types)
    if held:
        cert = held[0]
        return Eligibility(True, f"verified {cert.type} certificate from {cert.agency}, valid until {cert.expires_on.isoformat()}")
    return Eligibility(
        False,
        f"This opportunity is a {SET_ASIDE_LABELS[set_aside]} set-aside. You need a verified "
        f"certification of type {' or '.join(types) or '(none enabled)'} valid on {on.isoformat()}; "
        "add or renew it on your business profile and ask for verification.",
    )
