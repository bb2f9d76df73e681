"""Vendor addresses with their effective dates: the principal place of business and other offices.

A move closes the old principal address (`effective_to` = the day before the move) and adds the
new one from the move date, so "local on a date" can always be answered from history. A
correction (a typo, the same place) edits the address in place and keeps its dates. The first
principal address may have no start date: it then counts for every earlier date.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from marketplace import audit, clock, db
from marketplace.errors import DomainError, NotFound
from marketplace.institutions import region
from marketplace.vendors.local import principal_address_on
from marketplace.vendors.models import Vendor, VendorAddress

CHANGE_KINDS = ("move", "correction")
PO_BOX_MESSAGE = ("Your main place of business must be a street address where you work, not a P.O. box. "
                  "You can give a P.O. box as an other office.")
# PO Box, P.O. Box, P. O. Box, POBox, PO Bx, Post Office Box, Postal Box, POB, P.O.B. 12, Box 123, Box #12
_PO_BOX = re.compile(
    r"""
    \bp\s*\.?\s*o\s*\.?\s*(?:box|bx)\b
    | \bpost(?:al)?\s*(?:office\s*)?box\b
    | \bp\s*\.?\s*o\s*\.?\s*b\b\.?
    | \bbox\s*(?:\#|no\.?|number)?\s*\d
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


def is_po_box(text: str | None) -> bool:
    """True when an address line names a post-office box in any common spelling."""
    return bool(_PO_BOX.search(text or ""))


def check_zip(zip_code: str | None, state: str | None) -> tuple[str, str, str]:
    """Validate a US ZIP (ZIP+4 accepted) against the state; return (zip5, state, county)."""
    raw = (zip_code or "").strip()
    state = (state or "").strip().upper()
    match = _ZIP.match(raw)
    if not match:
        raise DomainError("Check the ZIP code.", {"zip": [
            "Enter a 5-digit US ZIP code, like 33301. Addresses outside the United States cannot be used."]})
    zip5 = match.group(1)
    found = region.county_for_zip(zip5)
    if not region.is_known_zip(zip5) or found is None:
        raise DomainError("Check the ZIP code.", {"zip": [
            f"We cannot find ZIP code {zip5} in the United States. Please check it."]})
    zip_state, county = found
    if state and state != zip_state:
        raise DomainError("Check the state and ZIP code.", {"state": [
            f"ZIP code {zip5} is in {zip_state}, not {state}. Please check the state or the ZIP code."]})
    return zip5, zip_state, county


def _address_values(*, line1: str, line2: str | None, city: str, state: str, zip_code: str,
                    principal: bool) -> dict[str, Any]:
    """Clean and check an address; raise DomainError with every field message at once."""
    clean = {k: " ".join((v or "").split()) for k, v in
             {"line1": line1, "line2": line2, "city": city}.items()}
    errors: dict[str, list[str]] = {}
    if not clean["line1"]:
        errors["line1"] = ["Enter the street address, like 100 Main Street."]
    if not clean["city"]:
        errors["city"] = ["Enter the city."]
    if principal:
        for name in ("line1", "line2"):
            if is_po_box(clean[name]):
                errors[name] = [PO_BOX_MESSAGE]
    for name, limit in (("line1", 200), ("line2", 200), ("city", 100)):
        if len(clean[name]) > limit:
            errors[name] = [f"Keep this under {limit} characters."]
    zip5 = county = None
    try:
        zip5, state, county = check_zip(zip_code, state)
    except DomainError as error:
        errors.update(error.errors)
    if errors:
        raise DomainError("Some answers in the address need fixing.", errors)
    return {"line1": clean["line1"], "line2": clean["line2"] or None, "city": clean["city"],
            "state": state, "zip": zip5, "county": county}


def _same_place(address: VendorAddress, values: dict[str, Any]) -> bool:
    def key(line1, line2, city, zip_code):
        return tuple(" ".join((v or "").lower().split()) for v in (line1, line2, city, zip_code))

    return key(address.line1, address.line2, address.city, address.zip) == key(
        values["line1"], values["line2"], values["city"], values["zip"])


def _describe(address: VendorAddress) -> dict[str, Any]:
    return {"id": address.id, "line1": address.line1, "line2": address.line2, "city": address.city,
            "state": address.state, "zip": address.zip, "county": address.county,
            "effective_from": address.effective_from.isoformat() if address.effective_from else None,
            "effective_to": address.effective_to.isoformat() if address.effective_to else None}


def open_principal(vendor: Vendor) -> VendorAddress | None:
    """The principal address with no end date (the latest started), if any."""
    candidates = [a for a in vendor.addresses if a.kind == "principal" and a.effective_to is None]
    return max(candidates, key=lambda a: (a.effective_from or date.min, a.id or 0), default=None)


def save_principal_address(
    vendor: Vendor, *, line1: str, line2: str | None, city: str, state: str, zip_code: str,
    change: str | None, since: date | None, today: date, actor: Any = None,
) -> VendorAddress:
    """Add the first principal address, record a move on `since`, or correct the current one in place."""
    values = _address_values(line1=line1, line2=line2, city=city, state=state, zip_code=zip_code, principal=True)
    if since is not None and since > today:
        raise DomainError("Check the date.", {"since": ["The date cannot be in the future."]})
    current = open_principal(vendor)
    if current is None:
        address = VendorAddress(kind="principal", effective_from=since, **values)
        vendor.addresses.append(address)
        vendor.updated_at = clock.utcnow()
        db.session.flush()
        audit.record("vendor.address_added", "vendor", vendor.id, actor=actor, detail=_describe(address))
        return address
    if change is None and _same_place(current, values) and current.state == values["state"]:
        return current  # saved again unchanged: nothing to record
    if change not in CHANGE_KINDS:
        raise DomainError("Tell us what changed.", {"change": [
            "Choose whether you moved to a new place or are correcting a mistake."]})
    if change == "correction":
        before = _describe(current)
        for name, value in values.items():
            setattr(current, name, value)
        vendor.updated_at = clock.utcnow()
        db.session.flush()
        if before != _describe(current):
            audit.record("vendor.address_corrected", "vendor", vendor.id, actor=actor,
                         detail={"from": before, "to": _describe(current)})
        return current
    if since is None:
        raise DomainError("Tell us when you moved.", {"since": ["Enter the date you moved to the new address."]})
    if current.effective_from is not None and since <= current.effective_from:
        raise DomainError("Check the date.", {"since": [
            f"The move date must be after {current.effective_from.isoformat()}, "
            "when you started at your current address."]})
    if _same_place(current, values):
        raise DomainError("This is the same address.", {"change": [
            "This is the address you already have. To fix a spelling mistake, choose “Correct a mistake”."]})
    current.effective_to = since - timedelta(days=1)
    address = VendorAddress(kind="principal", effective_from=since, **values)
    vendor.addresses.append(address)
    vendor.updated_at = clock.utcnow()
    db.session.flush()
    audit.record("vendor.address_moved", "vendor", vendor.id, actor=actor,
                 detail={"from": _describe(current), "to": _describe(address), "on": since.isoformat()})
    return address


def add_office(
    vendor: Vendor, *, line1: str, line2: str | None, city: str, state: str, zip_code: str,
    since: date | None, today: date, actor: Any = None,
) -> VendorAddress:
    """Add another office (not the principal place of business)."""
    values = _address_values(line1=line1, line2=line2, city=city, state=state, zip_code=zip_code, principal=False)
    if since is not None and since > today:
        raise DomainError("Check the date.", {"since": ["The date cannot be in the future."]})
    address = VendorAddress(kind="office", effective_from=since, **values)
    vendor.addresses.append(address)
    vendor.updated_at = clock.utcnow()
    db.session.flush()
    audit.record("vendor.office_added", "vendor", vendor.id, actor=actor, detail=_describe(address))
    return address


def close_office(vendor: Vendor, address_id: int, *, last_day: date | None, today: date,
                 actor: Any = None) -> VendorAddress:
    """Record an office's last day: it stays in the history with its dates."""
    address = next((a for a in vendor.addresses if a.id == address_id and a.kind == "office"), None)
    if address is None or address.effective_to is not None:
        raise NotFound("We could not find that open office.")
    last_day = last_day or today
    if last_day > today:
        raise DomainError("Check the date.", {"last_day": ["The date cannot be in the future."]})
    if address.effective_from is not None and last_day < address.effective_from:
        raise DomainError("Check the date.", {"last_day": [
            f"The office opened on {address.effective_from.isoformat()}; its last day cannot be before that."]})
    address.effective_to = last_day
    vendor.updated_at = clock.utcnow()
    db.session.flush()
    audit.record("vendor.office_closed", "vendor", vendor.id, actor=actor, detail=_describe(address))
    return address


def principal_history(vendor: Vendor) -> list[VendorAddress]:
    """Principal addresses, newest first."""
    rows = [a for a in vendor.addresses if a.kind == "principal"]
    return sorted(rows, key=lambda a: (a.effective_from or date.min, a.id or 0), reverse=True)


def offices(vendor: Vendor, *, on: date, include_closed: bool = False) -> list[VendorAddress]:
    """Other offices open on `on` (or all, closed ones included), newest first."""
    rows = [a for a in vendor.addresses if a.kind == "office"
            and (include_closed or (a.effective_to is None or a.effective_to >= on))]
    return sorted(rows, key=lambda a: (a.effective_from or date.min, a.id or 0), reverse=True)


def current_principal(vendor: Vendor, on: date) -> VendorAddress | None:
    """The principal place of business in force on `on`."""
    return principal_address_on(vendor, on)
