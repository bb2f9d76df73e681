"""Password reset by emailed, single-use, expiring link."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace import audit, clock, db
from marketplace.auth import services, sessions, tokens
from marketplace.auth.models import PasswordResetToken, User
from marketplace.errors import DomainError, NotFound
from marketplace.mail.services import enqueue_template


class ResetLinkUnusable(DomainError):
    """The reset link was already used or has expired."""

    status_code = 410


def request_reset(email: str) -> str | None:
    """Email a reset link if an active account has this email; return the token (None otherwise).

    The caller must answer the same way either way, so nobody can learn who has an account.
    """
    user = services.find_user_by_email(email)
    if user is None or not user.active:
        return None
    now = clock.utcnow()
    token, token_hash = tokens.new_token()
    ttl = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    reset = PasswordResetToken(user_id=user.id, token_hash=token_hash, created_at=now,
                               expires_at=now + timedelta(minutes=ttl))
    db.session.add(reset)
    db.session.flush()
    enqueue_template(
        user.email,
        "Reset your Anchor Marketplace password",
        "password_reset",
        link=tokens.link(current_app.config, f"/password/reset/{token}"),
        user=user,
        ttl_minutes=ttl,
    )
    audit.record("password.reset_requested", "user", user.id, institution_id=user.institution_id)
    return token


def find_by_token(token: str) -> PasswordResetToken:
    """The usable reset token; NotFound if unknown, ResetLinkUnusable if used or expired."""
    reset = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == tokens.hash_token(token))
    )
    if reset is None:
        raise NotFound("This reset link is not valid. Check that you copied the whole link.")
    if reset.used_at is not None:
        raise ResetLinkUnusable("This reset link has already been used. Ask for a new one if you need it.")
    if reset.expires_at <= clock.utcnow() or not reset.user.active:
        raise ResetLinkUnusable("This reset link has expired. Ask for a new one.")
    return reset


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link, end every login session, and spend the link."""
    reset = find_by_token(token)
    user = reset.user
    services.set_password(user, password)
    now = clock.utcnow()
    # Spend this link and any other outstanding one: after a reset, old emails must not work.
    for outstanding in db.session.scalars(
        sa.select(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                            PasswordResetToken.used_at.is_(None))
    ):
        outstanding.used_at = now
    sessions.revoke_all(user)
    enqueue_template(user.email, "Your Anchor Marketplace password was changed", "password_changed", user=user)
    audit.record("password.reset", "user", user.id, actor=user)
    return user
