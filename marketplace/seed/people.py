"""The collaborative, its region, the institutions, their categories and staff users."""
from __future__ import annotations

from datetime import timedelta

from marketplace.auth.models import User
from marketplace.institutions.models import (
    Collaborative,
    Institution,
    LocalRule,
    LocalRuleCounty,
    LocalRuleZip,
    SpendCategory,
)
from marketplace.models_common import CERTIFICATION_TYPES
from marketplace.seed.context import REFERENCE_DATE, TIMEZONE, InstitutionRecord, SeedContext, reference_instant
from marketplace.seed_data import institutions as data
from marketplace.seed_data.industries import ADDRESSABLE_CATEGORIES, NON_ADDRESSABLE_CATEGORIES
from marketplace.seed_data.names import FIRST_NAMES, LAST_NAMES
from marketplace.seed_data.places import REGION_COUNTIES, REGION_EXTRA_ZIPS, STATE

DEMO_DOMAIN = "demo.anchor.test"
BACKBONE_EMAIL = f"backbone@{DEMO_DOMAIN}"
OFFICER_EMAIL = f"officer@{DEMO_DOMAIN}"
VENDOR_EMAIL = f"vendor@{DEMO_DOMAIN}"


def user_row(ctx: SeedContext, user_id: int, email: str, name: str, role: str, *,
             vendor_id: int | None = None, institution_id: int | None = None, created_at=None) -> dict:
    """A users row with the shared demo password hash."""
    return dict(id=user_id, email=email, name=name, password_hash=ctx.password_hash, role=role,
                vendor_id=vendor_id, institution_id=institution_id, active=True, language="en",
                created_at=created_at, last_login_at=None)


def seed_collaborative(ctx: SeedContext) -> None:
    """Write the region, the collaborative, the institutions and their spend categories."""
    rng = ctx.rng("people")
    writer = ctx.writer
    rule_id = writer.new_id(LocalRule.__table__)
    writer.insert(LocalRule.__table__, [dict(id=rule_id, name=data.REGION_NAME)])
    writer.insert(LocalRuleCounty.__table__, [
        dict(id=writer.new_id(LocalRuleCounty.__table__), rule_id=rule_id, state=STATE, county=county)
        for county in REGION_COUNTIES
    ])
    writer.insert(LocalRuleZip.__table__, [
        dict(id=writer.new_id(LocalRuleZip.__table__), rule_id=rule_id, zip=zip_code)
        for zip_code in REGION_EXTRA_ZIPS
    ])
    ctx.region_counties = tuple((STATE, county) for county in REGION_COUNTIES)
    ctx.region_zips = REGION_EXTRA_ZIPS
    writer.insert(Collaborative.__table__, [dict(
        id=writer.new_id(Collaborative.__table__), name=data.COLLABORATIVE_NAME,
        backbone_name=data.BACKBONE_NAME, local_rule_id=rule_id,
        enabled_certification_types=list(CERTIFICATION_TYPES), expiry_rule="strict", grace_days=0,
    )])

    user_table = User.__table__
    ctx.backbone_id = writer.new_id(user_table)
    started = REFERENCE_DATE - timedelta(days=3 * 365 + 120)
    ctx.users.append(user_row(ctx, ctx.backbone_id, BACKBONE_EMAIL, "Alex Rivera", "backbone",
                              created_at=reference_instant(started, rng)))
    institutions, categories = [], []
    for index, spec in enumerate(data.INSTITUTIONS):
        inst_id = writer.new_id(Institution.__table__)
        institutions.append(dict(
            id=inst_id, slug=spec.slug, name=spec.name, sector=spec.sector, timezone=TIMEZONE,
            fiscal_year_start_month=spec.fiscal_year_start_month, local_rule_id=None,
            requires_two_openers=False, addendum_extension_hours=72,
            created_at=reference_instant(started + timedelta(days=index), rng),
        ))
        for name in ADDRESSABLE_CATEGORIES + NON_ADDRESSABLE_CATEGORIES:
            categories.append(dict(id=writer.new_id(SpendCategory.__table__), institution_id=inst_id,
                                   name=name, addressable=name in ADDRESSABLE_CATEGORIES))
        officer_id = writer.new_id(user_table)
        officer_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = OFFICER_EMAIL if index == 0 else f"officer.{spec.slug}@{DEMO_DOMAIN}"
        ctx.users.append(user_row(ctx, officer_id, email, officer_name, "officer", institution_id=inst_id,
                                  created_at=reference_instant(started + timedelta(days=index + 1), rng)))
        ctx.institutions.append(InstitutionRecord(inst_id, spec, officer_id, officer_name, email))
    writer.insert(Institution.__table__, institutions)
    writer.insert(SpendCategory.__table__, categories)


def insert_users(ctx: SeedContext) -> None:
    """Write every user gathered so far (staff and vendor users)."""
    ctx.writer.insert(User.__table__, ctx.users)
    ctx.users = []
