"""Rules for the collaborative, its region, its institutions and their spend categories.

Every function flushes and never commits; a change writes one audit event, and calling a
function again with the same values changes nothing and records nothing.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from marketplace import audit, clock, db
from marketplace.errors import DomainError, NotFound
from marketplace.institutions import region
from marketplace.institutions.models import (
    Collaborative,
    Institution,
    LocalRule,
    LocalRuleCounty,
    LocalRuleZip,
    SpendCategory,
)
from marketplace.models_common import CERTIFICATION_TYPES, SECTORS

DEFAULT_COLLABORATIVE_NAME = "Anchor Collaborative"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_FISCAL_YEAR_START = 7
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
MAX_GRACE_DAYS = 3650
MAX_EXTENSION_HOURS = 24 * 30


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    """The IANA time zone names this Python knows."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


# --- the collaborative -------------------------------------------------------------------


def _collaborative_name() -> str:
    configured = current_app.config.get("COLLABORATIVE_NAME") if has_app_context() else None
    return configured or os.environ.get("COLLABORATIVE_NAME") or DEFAULT_COLLABORATIVE_NAME


def get_collaborative() -> Collaborative:
    """Return the collaborative, creating it with an empty region on first use."""
    collab = db.session.scalar(sa.select(Collaborative).order_by(Collaborative.id).limit(1))
    if collab is None:
        name = _collaborative_name()
        collab = Collaborative(
            name=name, backbone_name="", local_rule=LocalRule(name=f"{name} region"),
            enabled_certification_types=list(CERTIFICATION_TYPES), expiry_rule="strict", grace_days=0,
        )
        db.session.add(collab)
        db.session.flush()
        audit.record("collaborative.created", "collaborative", collab.id, detail={"name": name})
    return collab


def set_collaborative_names(name: str, backbone_name: str, *, actor: Any = None) -> Collaborative:
    """Rename the collaborative and its backbone organization."""
    name, backbone_name = " ".join((name or "").split()), " ".join((backbone_name or "").split())
    if not name:
        raise DomainError("The collaborative needs a name.", {"name": ["Enter a name."]})
    if len(name) > 200 or len(backbone_name) > 200:
        raise DomainError("Names are limited to 200 characters.")
    collab = get_collaborative()
    before = {"name": collab.name, "backbone_name": collab.backbone_name}
    after = {"name": name, "backbone_name": backbone_name}
    if before != after:
        collab.name, collab.backbone_name = name, backbone_name
        db.session.flush()
        audit.record("collaborative.renamed", "collaborative", collab.id, actor=actor,
                     detail={"before": before, "after": after})
    return collab


def parse_expiry_rule(text: str) -> tuple[str, int]:
    """Read `strict`, `fiscal_year` or `grace:N` (also `grace_days=N`) as (rule, grace days)."""
    value = (text or "").strip().lower()
    if value in ("strict", "fiscal_year"):
        return value, 0
    match = re.fullmatch(r"grace(?:_days)?[:=](.*)", value)
    if match is None:
        raise DomainError(f"Unknown expiry rule {text!r}: use strict, fiscal_year or grace:DAYS.")
    days = match.group(1).strip()
    if not re.fullmatch(r"\d+", days) or int(days) > MAX_GRACE_DAYS:
        raise DomainError(f"Grace days must be a whole number from 0 to {MAX_GRACE_DAYS} (got {days!r}).")
    return "grace_days", int(days)


def set_expiry_rule(text: str, *, actor: Any = None) -> Collaborative:
    """Set how certification expiry counts in reports: strict, fiscal_year or grace:N."""
    rule, days = parse_expiry_rule(text)
    collab = get_collaborative()
    before = collab.expiry_rule_label
    if (collab.expiry_rule, collab.grace_days) != (rule, days):
        collab.expiry_rule, collab.grace_days = rule, days
        db.session.flush()
        audit.record("collaborative.expiry_rule_set", "collaborative", collab.id, actor=actor,
                     detail={"before": before, "after": collab.expiry_rule_label})
    return collab


def parse_certification_types(types: Iterable[str]) -> list[str]:
    """Check the type names (case-insensitive) and return them in canonical order."""
    known = {t.lower(): t for t in CERTIFICATION_TYPES}
    chosen, unknown = set(), []
    for raw in types:
        name = (raw or "").strip()
        if name.lower() in known:
            chosen.add(known[name.lower()])
        elif name:
            unknown.append(name)
    if unknown:
        raise DomainError(
            f"Unknown certification type(s): {', '.join(unknown)}. Known: {', '.join(CERTIFICATION_TYPES)}."
        )
    return [t for t in CERTIFICATION_TYPES if t in chosen]


def set_categories(types: Iterable[str], *, actor: Any = None) -> Collaborative:
    """Enable exactly these certification types for the collaborative."""
    enabled = parse_certification_types(types)
    collab = get_collaborative()
    before = list(collab.enabled_certification_types or [])
    if before != enabled:
        collab.enabled_certification_types = enabled
        db.session.flush()
        audit.record("collaborative.categories_set", "collaborative", collab.id, actor=actor,
                     detail={"before": before, "after": enabled})
    return collab


# --- regions (local rules) -----------------------------------------------------------------


def parse_region(counties: Iterable[str], zips: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Validate counties and ZIPs; raise one DomainError naming every bad entry."""
    parsed_counties: list[tuple[str, str]] = []
    parsed_zips: list[str] = []
    problems: dict[str, list[str]] = {}
    for text in counties:
        if not (text or "").strip():
            continue
        try:
            county = region.parse_county(text)
        except DomainError as error:
            problems.setdefault("counties", []).append(error.message)
        else:
            if county not in parsed_counties:
                parsed_counties.append(county)
    for text in zips:
        if not (text or "").strip():
            continue
        try:
            zip_code = region.parse_zip(text)
        except DomainError as error:
            problems.setdefault("zips", []).append(error.message)
        else:
            if zip_code not in parsed_zips:
                parsed_zips.append(zip_code)
    if problems:
        raise DomainError(" ".join(m for ms in problems.values() for m in ms), problems)
    return parsed_counties, sorted(parsed_zips)


def describe_rule(rule: LocalRule | None) -> dict[str, list[str]]:
    """The rule's counties as `STATE:County` and its extra ZIPs."""
    if rule is None:
        return {"counties": [], "zips": []}
    return {
        "counties": [f"{c.state}:{c.county}" for c in rule.counties],
        "zips": [z.zip for z in rule.extra_zips],
    }


def _apply_region(rule: LocalRule, counties: list[tuple[str, str]], zips: list[str]) -> bool:
    """Make the rule hold exactly these entries, removing before adding (unique constraints)."""
    current_counties = {(c.state, c.county): c for c in rule.counties}
    current_zips = {z.zip: z for z in rule.extra_zips}
    if set(current_counties) == set(counties) and set(current_zips) == set(zips):
        return False
    for key, row in current_counties.items():
        if key not in counties:
            rule.counties.remove(row)
    for key, row in current_zips.items():
        if key not in zips:
            rule.extra_zips.remove(row)
    db.session.flush()
    for state, county in counties:
        if (state, county) not in current_counties:
            rule.counties.append(LocalRuleCounty(state=state, county=county))
    for zip_code in zips:
        if zip_code not in current_zips:
            rule.extra_zips.append(LocalRuleZip(zip=zip_code))
    db.session.flush()
    return True


def set_region(rule: LocalRule, counties: Iterable[str], zips: Iterable[str], *, actor: Any = None) -> LocalRule:
    """Make `rule` cover exactly these counties (`FL:Broward`) and extra ZIP codes."""
    parsed_counties, parsed_zips = parse_region(counties, zips)
    before = describe_rule(rule)
    if not _apply_region(rule, parsed_counties, parsed_zips):
        return rule
    after = describe_rule(rule)
    collab = get_collaborative()
    if collab.local_rule_id == rule.id:
        audit.record("collaborative.region_set", "collaborative", collab.id, actor=actor,
                     detail={"before": before, "after": after})
    else:
        owner = db.session.scalar(sa.select(Institution).where(Institution.local_rule_id == rule.id))
        audit.record("institution.region_set" if owner else "local_rule.region_set",
                     "institution" if owner else "local_rule", owner.id if owner else rule.id,
                     actor=actor, institution_id=owner.id if owner else None,
                     detail={"before": before, "after": after})
    return rule


def set_collaborative_region(counties: Iterable[str], zips: Iterable[str], *, actor: Any = None) -> LocalRule:
    """Set the collaborative's region."""
    return set_region(get_collaborative().local_rule, counties, zips, actor=actor)


def set_institution_local_rule(
    institution: Institution, counties: Iterable[str] | None, zips: Iterable[str] = (), *, actor: Any = None
) -> LocalRule | None:
    """Give the institution its own region, or (counties=None) make it use the collaborative's."""
    if counties is None:
        if institution.local_rule is None:
            return None
        old = institution.local_rule
        institution.local_rule = None
        db.session.flush()
        db.session.delete(old)
        db.session.flush()
        audit.record("institution.local_rule_cleared", "institution", institution.id, actor=actor,
                     institution_id=institution.id, detail={"before": describe_rule(old)})
        return None
    counties, zips = list(counties), list(zips)
    parse_region(counties, zips)  # validate before creating anything
    if not any(c.strip() for c in counties) and not any(z.strip() for z in zips):
        raise DomainError("An own local rule needs at least one county or ZIP code.",
                          {"counties": ["Enter at least one county or ZIP code."]})
    if institution.local_rule is None:
        institution.local_rule = LocalRule(name=f"{institution.name} local rule")
        db.session.flush()
        audit.record("institution.local_rule_created", "institution", institution.id, actor=actor,
                     institution_id=institution.id)
    return set_region(institution.local_rule, counties, zips, actor=actor)


# --- institutions --------------------------------------------------------------------------


def get_institution(slug_or_id: str | int) -> Institution:
    """The institution with this slug or id; NotFound otherwise."""
    if isinstance(slug_or_id, int):
        institution = db.session.get(Institution, slug_or_id)
    else:
        institution = db.session.scalar(sa.select(Institution).where(Institution.slug == slug_or_id.strip().lower()))
    if institution is None:
        raise NotFound(f"No institution {slug_or_id!r}.")
    return institution


def list_institutions() -> list[Institution]:
    """Every institution, by name."""
    return list(db.session.scalars(sa.select(Institution).order_by(Institution.name, Institution.id)))


def _clean(fields: dict[str, Any], *, exclude_id: int | None = None) -> dict[str, Any]:
    """Validate institution fields; raise one DomainError listing each bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "slug" in fields:
        slug = (fields["slug"] or "").strip().lower()
        if not SLUG_PATTERN.match(slug):
            errors["slug"] = ["Use 1–60 lowercase letters, digits and hyphens (not at either end)."]
        else:
            taken = db.session.scalar(sa.select(Institution.id).where(Institution.slug == slug))
            if taken is not None and taken != exclude_id:
                errors["slug"] = [f"The slug {slug!r} is already used by another institution."]
        out["slug"] = slug
    if "name" in fields:
        name = " ".join((fields["name"] or "").split())
        if not name:
            errors["name"] = ["Enter the institution's name."]
        elif len(name) > 200:
            errors["name"] = ["Keep the name under 200 characters."]
        out["name"] = name
    if "sector" in fields:
        sector = (fields["sector"] or "").strip().lower()
        if sector not in SECTORS:
            errors["sector"] = [f"Unknown sector {fields['sector']!r}: use one of {', '.join(SECTORS)}."]
        out["sector"] = sector
    if "timezone" in fields:
        tz = (fields["timezone"] or "").strip()
        if tz not in timezones():
            errors["timezone"] = [f"Unknown time zone {tz!r}: use an IANA name such as America/New_York."]
        out["timezone"] = tz
    if "fiscal_year_start_month" in fields:
        month = fields["fiscal_year_start_month"]
        if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
            errors["fiscal_year_start_month"] = [f"The fiscal year start month must be 1–12 (got {month!r})."]
        out["fiscal_year_start_month"] = month
    if "requires_two_openers" in fields:
        out["requires_two_openers"] = bool(fields["requires_two_openers"])
    if "addendum_extension_hours" in fields:
        hours = fields["addendum_extension_hours"]
        if not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= MAX_EXTENSION_HOURS:
            errors["addendum_extension_hours"] = [f"Enter whole hours from 0 to {MAX_EXTENSION_HOURS}."]
        out["addendum_extension_hours"] = hours
    unknown = set(fields) - set(out) - set(errors)
    if unknown:
        raise TypeError(f"unknown institution fields: {sorted(unknown)}")
    if errors:
        raise DomainError(" ".join(m for ms in errors.values() for m in ms), errors)
    return out


def add_institution(
    slug: str, name: str, sector: str, timezone: str = DEFAULT_TIMEZONE,
    fiscal_year_start_month: int = DEFAULT_FISCAL_YEAR_START, *, actor: Any = None,
) -> Institution:
    """Create an institution, or bring the one with this slug to these values."""
    fields = dict(slug=slug, name=name, sector=sector, timezone=timezone,
                  fiscal_year_start_month=fiscal_year_start_month)
    existing = db.session.scalar(sa.select(Institution).where(Institution.slug == (slug or "").strip().lower()))
    if existing is not None:
        return update_institution(existing, actor=actor, **fields)
    values = _clean(fields)
    get_collaborative()
    institution = Institution(created_at=clock.utcnow(), requires_two_openers=False,
                              addendum_extension_hours=72, **values)
    db.session.add(institution)
    db.session.flush()
    audit.record("institution.created", "institution", institution.id, actor=actor,
                 institution_id=institution.id, detail=values)
    return institution


def update_institution(institution: Institution, *, actor: Any = None, **fields: Any) -> Institution:
    """Change the given fields (name, slug, sector, timezone, fiscal_year_start_month, ...)."""
    values = _clean(fields, exclude_id=institution.id)
    changes = {k: [getattr(institution, k), v] for k, v in values.items() if getattr(institution, k) != v}
    if changes:
        for key, (_, new) in changes.items():
            setattr(institution, key, new)
        db.session.flush()
        audit.record("institution.updated", "institution", institution.id, actor=actor,
                     institution_id=institution.id, detail={"changes": changes})
    return institution


def set_nonaddressable(institution: Institution, categories: Iterable[str], *, actor: Any = None) -> list[SpendCategory]:
    """Mark exactly these spend categories non-addressable (creating them); all others addressable."""
    wanted: dict[str, str] = {}
    for raw in categories:
        name = " ".join((raw or "").split())
        if not name:
            continue
        if len(name) > 100:
            raise DomainError(f"Category names are limited to 100 characters: {name[:40]!r}…",
                              {"nonaddressable": ["Keep each category under 100 characters."]})
        wanted.setdefault(name.lower(), name)
    existing = {c.name.lower(): c for c in institution.spend_categories}
    changes: dict[str, bool] = {}
    for key, name in wanted.items():
        if key not in existing:
            category = SpendCategory(name=name, addressable=False)
            institution.spend_categories.append(category)
            changes[name] = False
    for key, category in existing.items():
        addressable = key not in wanted
        if category.addressable != addressable:
            category.addressable = addressable
            changes[category.name] = addressable
    if changes:
        db.session.flush()
        audit.record("institution.nonaddressable_set", "institution", institution.id, actor=actor,
                     institution_id=institution.id,
                     detail={"addressable": changes, "nonaddressable": sorted(wanted.values())})
    return list(institution.spend_categories)
