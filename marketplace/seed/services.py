"""Seed the demo collaborative, and tell which demo logins exist."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

import marketplace.models  # noqa: F401  (every model, in the order that imports cleanly)
from marketplace import audit, clock, db
from marketplace.auth.models import User
from marketplace.auth.passwords import hash_password
from marketplace.errors import DomainError
from marketplace.institutions.models import Collaborative, Institution
from marketplace.seed import opportunities, people, spend, vendors
from marketplace.seed.context import SCALES, SeedContext
from marketplace.seed.writer import Writer

DEMO_PASSWORD = "demo-password-2026"
DEMO_LOGINS = (
    ("backbone", people.BACKBONE_EMAIL),
    ("officer", people.OFFICER_EMAIL),
    ("vendor", people.VENDOR_EMAIL),
)


class DemoDataRefused(DomainError):
    """The database already holds a collaborative, institutions or the demo users."""


def has_institutions() -> bool:
    """Whether any institution exists (then `seed-demo --if-empty` does nothing)."""
    return db.session.scalar(sa.select(sa.exists().where(Institution.id.is_not(None)))) or False


def seed_demo(*, seed: int = 1, scale: str = "small", now: datetime | None = None,
              progress: bool = False) -> dict[str, int]:
    """Create the demo collaborative in the current transaction; return rows written per table.

    The same `seed` (and the same `now`) gives the same rows. History (spend, certificates,
    addresses) is laid out around the fixed `context.REFERENCE_DATE`; opportunities around
    `now` (the real clock by default), so that open ones are still open when the demo runs.
    """
    if scale not in SCALES:
        raise DomainError(f"Unknown scale {scale!r}; use one of {', '.join(SCALES)}.")
    if has_institutions() or db.session.scalar(sa.select(sa.func.count()).select_from(Collaborative)):
        raise DemoDataRefused("The database already holds a collaborative; the demo needs an empty one.")
    emails = [email for _role, email in DEMO_LOGINS]
    if db.session.scalar(sa.select(sa.func.count()).where(User.email.in_(emails))):
        raise DemoDataRefused("A demo user already exists; the demo needs an empty database.")
    ctx = SeedContext(seed=seed, scale=SCALES[scale], now=now or clock.utcnow(),
                      writer=Writer(db.session, progress=progress),
                      password_hash=hash_password(DEMO_PASSWORD))  # scrypt once, shared by every user
    people.seed_collaborative(ctx)
    vendors.seed_vendors(ctx)
    people.insert_users(ctx)
    vendors.seed_certifications(ctx)
    opportunities.seed_opportunities(ctx)
    spend.seed_spend(ctx)
    ctx.writer.finish()
    counts = dict(sorted(ctx.writer.counts.items()))
    collaborative_id = db.session.scalar(sa.select(Collaborative.id))
    audit.record("demo.seeded", "collaborative", collaborative_id, at=ctx.now,
                 detail={"seed": seed, "scale": scale, "rows": counts})
    db.session.flush()
    return counts


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, email, password) of each demo login whose user exists."""
    existing = set(db.session.scalars(
        sa.select(User.email).where(User.email.in_([email for _role, email in DEMO_LOGINS]))))
    return [(role, email, DEMO_PASSWORD) for role, email in DEMO_LOGINS if email in existing]
