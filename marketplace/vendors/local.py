"""The "local" rule engine: is a vendor's principal place of business in a rule's region on a date?

Local is data, not a flag: it is evaluated from the dated address history against a
`LocalRule` (counties by state, plus extra ZIPs). A principal address with no start date is
the first known one and counts for every earlier date until a recorded move.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marketplace import db
from marketplace.institutions.models import Collaborative, Institution, LocalRule
from marketplace.vendors.models import Vendor, VendorAddress


def normalize_county(name: str) -> str:
    """'Broward County' and 'broward' compare equal."""
    name = " ".join(name.strip().lower().split())
    return name[: -len(" county")] if name.endswith(" county") else name


@dataclass(frozen=True)
class LocalStatus:
    """The answer with its reason, for display ("principal place of business in …")."""

    is_local: bool
    reason: str
    address: VendorAddress | None = None


def principal_address_on(vendor: Vendor, on: date) -> VendorAddress | None:
    """The principal address in force on `on` (the latest one started by then)."""
    candidates = [
        a for a in vendor.addresses
        if a.kind == "principal"
        and (a.effective_from is None or a.effective_from <= on)
        and (a.effective_to is None or a.effective_to >= on)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda a: (a.effective_from or date.min, a.id or 0))


def rule_region(rule: LocalRule) -> tuple[set[tuple[str, str]], set[str]]:
    """The rule's counties as (STATE, normalized county) and its extra ZIPs."""
    counties = {(c.state.upper(), normalize_county(c.county)) for c in rule.counties}
    return counties, {z.zip for z in rule.extra_zips}


def address_in_rule(address: VendorAddress, rule: LocalRule) -> bool:
    """True when the address lies in the rule's counties or extra ZIPs."""
    counties, zips = rule_region(rule)
    if address.zip in zips:
        return True
    return bool(address.county) and (address.state.upper(), normalize_county(address.county)) in counties


def is_local(vendor: Vendor, rule: LocalRule, on: date) -> LocalStatus:
    """Whether `vendor` counts as local under `rule` on `on`, and why."""
    address = principal_address_on(vendor, on)
    if address is None:
        return LocalStatus(False, f"no principal place of business on record for {on.isoformat()}")
    since = f" since {address.effective_from.isoformat()}" if address.effective_from else ""
    where = f"{address.county}, {address.state}" if address.county else f"ZIP {address.zip}"
    counties, zips = rule_region(rule)
    if address.zip in zips:
        return LocalStatus(True, f"principal place of business in ZIP {address.zip} (in the region's extra ZIPs){since}", address)
    if address.county and (address.state.upper(), normalize_county(address.county)) in counties:
        return LocalStatus(True, f"principal place of business in {where}{since}", address)
    return LocalStatus(False, f"principal place of business in {where}{since}, outside {rule.name}", address)


def rule_for(institution: Institution | None) -> LocalRule | None:
    """The institution's own rule if it has one, else the collaborative's."""
    if institution is not None and institution.local_rule is not None:
        return institution.local_rule
    collaborative = db.session.scalar(sa.select(Collaborative).limit(1))
    return collaborative.local_rule if collaborative else None
