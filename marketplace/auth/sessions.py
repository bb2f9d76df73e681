"""Server-side login sessions: the cookie carries a random id that logout revokes."""
from __future__ import annotations

import secrets

from flask import Flask, request
from flask_login import login_user, logout_user

from marketplace import clock, db
from marketplace.auth.models import LoginSession, User
from marketplace.security import login_manager


def _attach(user: User, session_id: str) -> User:
    user.get_id = lambda: session_id  # type: ignore[method-assign]
    user.login_session_id = session_id  # type: ignore[attr-defined]
    return user


def start_session(user: User) -> LoginSession:
    """Create a server-side session for `user` and log them in with it."""
    now = clock.utcnow()
    login = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:300],
    )
    db.session.add(login)
    user.last_login_at = now
    login_user(_attach(user, login.id))
    return login


def end_session(user: User) -> None:
    """Revoke the current server-side session and clear the cookie."""
    session_id = getattr(user, "login_session_id", None)
    if session_id:
        login = db.session.get(LoginSession, session_id)
        if login is not None and login.revoked_at is None:
            login.revoked_at = clock.utcnow()
    logout_user()


def revoke_all(user: User) -> None:
    """Revoke every live session of `user` (after a password change)."""
    now = clock.utcnow()
    for login in db.session.query(LoginSession).filter_by(user_id=user.id, revoked_at=None):
        login.revoked_at = now


def init_app(app: Flask) -> None:
    """Teach Flask-Login to load users through their live server-side session."""

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        login = db.session.get(LoginSession, session_id)
        if login is None or login.revoked_at is not None:
            return None
        user = login.user
        if not user.active:
            return None
        return _attach(user, login.id)
