"""User accounts, server-side login sessions, invitations and password-reset tokens."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, intpk
from marketplace.models_common import ROLES, one_of


class User(UserMixin, Base):
    """A person who logs in: a vendor's user, an institution's officer, or backbone staff."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    vendor = relationship("Vendor", back_populates="users")
    institution = relationship("Institution")

    __table_args__ = (
        one_of("role", ROLES),
        sa.CheckConstraint(
            "(role = 'vendor' AND vendor_id IS NOT NULL AND institution_id IS NULL)"
            " OR (role = 'officer' AND institution_id IS NOT NULL AND vendor_id IS NULL)"
            " OR (role = 'backbone' AND vendor_id IS NULL AND institution_id IS NULL)",
            name="role_scope",
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active


class LoginSession(Base):
    """A server-side login: the cookie names it, logout revokes it."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    user: Mapped[User] = relationship()


class Invitation(Base):
    """A single-use, expiring invitation to create an account (officer, backbone, colleague)."""

    __tablename__ = "invitations"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    institution = relationship("Institution")
    vendor = relationship("Vendor")

    __table_args__ = (one_of("role", ROLES),)


class PasswordResetToken(Base):
    """A single-use, expiring password-reset token; only its hash is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()
