"""Accounts: look-up, authentication, creation and password changes."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import audit, clock, db
from marketplace.auth.models import User
from marketplace.auth.passwords import burn_time, hash_password, password_problems, verify_password
from marketplace.errors import DomainError
from marketplace.mail.services import enqueue_template


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


def check_password(password: str, *, email: str | None = None) -> None:
    """Raise a DomainError naming the field when `password` breaks the password rules."""
    problems = password_problems(password, email=email)
    if problems:
        raise DomainError(" ".join(problems), {"password": problems})


def ensure_email_free(email: str) -> None:
    """Raise a DomainError naming the field when an account already uses `email`."""
    if find_user_by_email(email) is not None:
        raise DomainError(
            "An account with this email already exists.",
            {"email": ["An account with this email already exists. Log in or reset your password."]},
        )


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
    check_password(password, email=email)
    ensure_email_free(email)
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


def set_password(user: User, password: str) -> None:
    """Replace `user`'s password after checking the rules (callers revoke sessions and audit)."""
    check_password(password, email=user.email)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str) -> None:
    """Change a logged-in user's password; the current one must be given correctly."""
    if not verify_password(user.password_hash, current):
        raise DomainError("The current password is not correct.",
                          {"current_password": ["The current password is not correct."]})
    set_password(user, new)
    enqueue_template(user.email, "Your Anchor Marketplace password was changed", "password_changed", user=user)
    audit.record("password.changed", "user", user.id, actor=user)
