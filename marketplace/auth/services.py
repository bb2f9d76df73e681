"""Account rules: authentication, user creation."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import audit, clock, db
from marketplace.auth.models import User
from marketplace.auth.passwords import burn_time, hash_password, password_problems, verify_password
from marketplace.errors import DomainError


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user if the credentials match an active account; otherwise None (same cost)."""
    user = find_user_by_email(email)
    if user is None:
        burn_time()
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def create_user(
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    vendor_id: int | None = None,
    institution_id: int | None = None,
) -> User:
    """Create a user after checking the password rules and that the email is free."""
    email = normalize_email(email)
    problems = password_problems(password, email=email)
    if problems:
        raise DomainError(" ".join(problems), {"password": problems})
    if find_user_by_email(email) is not None:
        raise DomainError("An account with this email already exists.", {"email": ["already registered"]})
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        vendor_id=vendor_id,
        institution_id=institution_id,
        created_at=clock.utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, institution_id=institution_id, detail={"role": role})
    return user
