"""Vendor profile rules: business identity, NAICS codes, size facts and the guided registration.

Every function flushes and never commits, validates before it changes anything, and raises
`DomainError` with field messages (keyed by form field name) when a value is refused.
Addresses live in `profile_addresses`, the small/local status in `profile_status`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import audit, clock, db
from marketplace.auth.registration import normalize_business_name
from marketplace.errors import DomainError
from marketplace.naics import catalog
from marketplace.naics.forms import problems as naics_problems
from marketplace.vendors.local import principal_address_on
from marketplace.vendors.models import REVENUE_BANDS, Vendor, VendorNaics

PROFILE_TIMEZONE = "America/New_York"
MAX_CAPABILITY_LENGTH = 5000
MAX_NAICS_CODES = 25
MAX_EMPLOYEES = 10_000_000
FIRST_YEAR = 1800
EIN_TAKEN = "This EIN is already registered. If this is your business, ask a colleague to invite you."
REVENUE_LABELS = {
    "under_1m": "Less than $1 million",
    "1m_5m": "$1 million to $5 million",
    "5m_10m": "$5 million to $10 million",
    "10m_25m": "$10 million to $25 million",
    "25m_100m": "$25 million to $100 million",
    "over_100m": "More than $100 million",
}
_EIN_DIGITS = re.compile(r"^\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", re.I)


def today(tz: str = PROFILE_TIMEZONE) -> date:
    """Today's date in `tz` (America/New_York by default), from the one clock."""
    return clock.utcnow().astimezone(ZoneInfo(tz)).date()


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _refuse(field: str, message: str) -> DomainError:
    return DomainError(message, {field: [message]})


# --- identity ------------------------------------------------------------------------------


def normalize_ein(text: str | None) -> str | None:
    """Read an EIN typed as 12-3456789, 123456789 or "12 3456789" as "12-3456789"; blank is None."""
    raw = (text or "").strip()
    if not raw:
        return None
    digits = re.sub(r"[\s-]", "", raw)
    if not _EIN_DIGITS.match(digits) or digits.startswith("00"):
        raise _refuse("ein", "Enter the EIN as 9 digits, like 12-3456789.")
    return f"{digits[:2]}-{digits[2:]}"


def normalize_website(text: str | None) -> str | None:
    """Add https:// when missing and check the address looks like a web address."""
    raw = (text or "").strip()
    if not raw:
        return None
    if not re.match(r"^https?://", raw, re.I):
        raw = f"https://{raw}"
    host = re.sub(r"^https?://", "", raw, flags=re.I).split("/")[0].split(":")[0]
    if " " in raw or not _HOST.match(host) or len(raw) > 255:
        raise _refuse("website", "Enter a web address like www.example.com.")
    return raw


def normalize_phone(text: str | None) -> str:
    """Keep the phone number as typed, if it has 10 to 15 digits."""
    raw = _clean(text)
    digits = re.sub(r"\D", "", raw)
    if not 10 <= len(digits) <= 15 or len(raw) > 40 or re.search(r"[^\d\s()+.\-extEXT#]", raw):
        raise _refuse("contact_phone", "Enter a phone number with area code, like 305-555-0123.")
    return raw


def ein_owner(ein: str) -> Vendor | None:
    """The vendor holding `ein`, if any."""
    return db.session.scalar(sa.select(Vendor).where(Vendor.ein == ein))


def update_identity(
    vendor: Vendor, *, legal_name: str, dba: str | None, ein: str | None, website: str | None,
    contact_name: str, contact_email: str, contact_phone: str, year_established: int | None,
    actor: Any = None,
) -> Vendor:
    """Save the business identity; an EIN held by another business is refused, a change audited."""
    legal_name, contact_name = _clean(legal_name), _clean(contact_name)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, check in (
        ("ein", lambda: normalize_ein(ein)),
        ("website", lambda: normalize_website(website)),
        ("contact_phone", lambda: normalize_phone(contact_phone)),
    ):
        try:
            values[field] = check()
        except DomainError as error:
            errors.update(error.errors)
    if not legal_name:
        errors["legal_name"] = ["Enter the business's legal name."]
    if not contact_name:
        errors["contact_name"] = ["Enter the name of the person buyers should contact."]
    email = (contact_email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["contact_email"] = ["Enter an email address, like name@example.com."]
    this_year = today().year
    if year_established is not None and not FIRST_YEAR <= year_established <= this_year:
        errors["year_established"] = [f"Enter a year between {FIRST_YEAR} and {this_year}."]
    new_ein = values.get("ein")
    if new_ein and "ein" not in errors:
        owner = ein_owner(new_ein)
        if owner is not None and owner.id != vendor.id:
            errors["ein"] = [EIN_TAKEN]
    if errors:
        raise DomainError("Some answers need fixing.", errors)

    old_ein, old_name = vendor.ein, vendor.legal_name
    vendor.legal_name = legal_name
    vendor.normalized_name = normalize_business_name(legal_name)
    vendor.dba = _clean(dba) or None
    vendor.ein = new_ein
    vendor.website = values["website"]
    vendor.contact_name = contact_name
    vendor.contact_email = email
    vendor.contact_phone = values["contact_phone"]
    vendor.year_established = year_established
    vendor.updated_at = clock.utcnow()
    try:
        with db.session.begin_nested():  # two businesses racing for one EIN: one wins, one is told
            db.session.flush()
    except IntegrityError:
        raise _refuse("ein", EIN_TAKEN) from None
    if old_ein != new_ein:
        audit.record("vendor.ein_changed", "vendor", vendor.id, actor=actor,
                     detail={"from": old_ein, "to": new_ein})
    if old_name != legal_name:
        audit.record("vendor.legal_name_changed", "vendor", vendor.id, actor=actor,
                     detail={"from": old_name, "to": legal_name})
    return vendor


# --- NAICS and capability statement -------------------------------------------------------------


def ordered_codes(vendor: Vendor) -> list[str]:
    """The vendor's NAICS codes, the primary one first."""
    return [n.code for n in sorted(vendor.naics_codes, key=lambda n: (not n.is_primary, n.code))]


def primary_code(vendor: Vendor) -> str | None:
    """The vendor's primary NAICS code."""
    return next((n.code for n in vendor.naics_codes if n.is_primary), None)


def set_naics(
    vendor: Vendor, *, codes: list[str], primary: str | None, capability_statement: str, actor: Any = None,
) -> Vendor:
    """Replace the NAICS codes (one primary; the first if none chosen) and the capability statement."""
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    statement = (capability_statement or "").strip().replace("\r\n", "\n")
    errors: dict[str, list[str]] = {}
    if not codes:
        errors["naics_codes"] = ["Enter at least one NAICS code, such as 561720."]
    elif len(codes) > MAX_NAICS_CODES:
        errors["naics_codes"] = [f"Enter at most {MAX_NAICS_CODES} NAICS codes; you entered {len(codes)}."]
    elif naics_problems(codes):
        errors["naics_codes"] = naics_problems(codes)
    primary = (primary or "").strip() or (codes[0] if codes else None)
    if codes and primary not in codes:
        errors["primary_naics"] = [f"The primary code {primary[:20]} must be one of the codes you listed."]
    if not statement:
        errors["capability_statement"] = ["Tell buyers in a few sentences what your business does."]
    elif len(statement) > MAX_CAPABILITY_LENGTH:
        errors["capability_statement"] = [
            f"Keep it under {MAX_CAPABILITY_LENGTH:,} characters; it has {len(statement):,}."]
    if errors:
        raise DomainError("Some answers need fixing.", errors)

    before = ordered_codes(vendor)
    existing = {n.code: n for n in vendor.naics_codes}
    # The one-primary index is checked row by row: clear the old primary before setting the new.
    for row in existing.values():
        row.is_primary = False
    for code, row in existing.items():
        if code not in codes:
            vendor.naics_codes.remove(row)
    db.session.flush()
    for code in codes:
        if code not in existing:
            vendor.naics_codes.append(VendorNaics(code=code, is_primary=False))
    db.session.flush()
    next(n for n in vendor.naics_codes if n.code == primary).is_primary = True
    vendor.capability_statement = statement
    vendor.updated_at = clock.utcnow()
    db.session.flush()
    after = ordered_codes(vendor)
    if before != after:
        audit.record("vendor.naics_changed", "vendor", vendor.id, actor=actor,
                     detail={"from": before, "to": after})
    return vendor


def naics_listing(vendor: Vendor) -> list[tuple[str, str, bool]]:
    """(code, title, is_primary) for display, the primary first."""
    primary = primary_code(vendor)
    return [(code, catalog.title(code) or "", code == primary) for code in ordered_codes(vendor)]


# --- size -----------------------------------------------------------------------------------


def update_size(vendor: Vendor, *, employees: int | None, revenue_band: str | None, actor: Any = None) -> Vendor:
    """Save the number of employees and the annual revenue band."""
    errors: dict[str, list[str]] = {}
    if employees is None or not 0 <= employees <= MAX_EMPLOYEES:
        errors["employees"] = ["Enter the number of employees, such as 12 (0 if it is only you)."]
    if revenue_band not in REVENUE_BANDS:
        errors["revenue_band"] = ["Choose your annual revenue."]
    if errors:
        raise DomainError("Some answers need fixing.", errors)
    vendor.employees = employees
    vendor.revenue_band = revenue_band
    vendor.updated_at = clock.utcnow()
    db.session.flush()
    return vendor


# --- guided registration ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One registration step: its URL slug and its short title."""

    slug: str
    title: str


STEPS = (
    Step("identity", "Your business"),
    Step("address", "Where you work"),
    Step("naics", "What you do"),
    Step("size", "Business size"),
    Step("review", "Review and finish"),
)
STEP_SLUGS = tuple(s.slug for s in STEPS)


def step_done(vendor: Vendor, slug: str, on: date | None = None) -> bool:
    """Whether a step's answers are saved; derived from the profile itself, never a flag."""
    if slug == "identity":
        return bool(vendor.legal_name and vendor.contact_name and vendor.contact_email and vendor.contact_phone)
    if slug == "address":
        return principal_address_on(vendor, on or today()) is not None
    if slug == "naics":
        return primary_code(vendor) is not None and bool((vendor.capability_statement or "").strip())
    if slug == "size":
        return vendor.employees is not None and vendor.revenue_band is not None
    if slug == "review":
        return vendor.registration_completed_at is not None
    raise ValueError(f"unknown registration step {slug!r}")


def progress(vendor: Vendor) -> list[tuple[Step, bool]]:
    """Each step with whether it is done."""
    on = today()
    return [(step, step_done(vendor, step.slug, on)) for step in STEPS]


def first_incomplete_step(vendor: Vendor) -> str:
    """The slug of the first step not yet done (review when only finishing is left)."""
    return next((step.slug for step, done in progress(vendor) if not done), "review")


def missing_steps(vendor: Vendor) -> list[Step]:
    """The steps before review that still need answers."""
    return [step for step, done in progress(vendor) if not done and step.slug != "review"]


def complete_registration(vendor: Vendor, *, actor: Any = None) -> Vendor:
    """Mark the registration finished once every step is done; audited once."""
    missing = missing_steps(vendor)
    if missing:
        names = ", ".join(f"“{s.title}”" for s in missing)
        raise DomainError(f"Please finish these steps first: {names}.")
    if vendor.registration_completed_at is None:
        vendor.registration_completed_at = clock.utcnow()
        vendor.updated_at = vendor.registration_completed_at
        db.session.flush()
        audit.record("vendor.registration_completed", "vendor", vendor.id, actor=actor)
    return vendor
