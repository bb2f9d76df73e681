"""Throttling for the account forms: per IP, and per submitted email so that one account
cannot be guessed at from many addresses. Limits slow attempts down; nothing locks an account.
"""
from __future__ import annotations

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from marketplace.auth.services import normalize_email

DEFAULTS = {
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_EMAIL_RATE_LIMIT": "5 per minute;20 per hour",
    "PASSWORD_FORGOT_RATE_LIMIT": "5 per minute;20 per hour",
    "PASSWORD_FORGOT_EMAIL_RATE_LIMIT": "3 per 15 minutes;10 per day",
    "REGISTER_RATE_LIMIT": "5 per minute;20 per hour",
}


def _setting(name: str):
    return lambda: current_app.config.get(name) or DEFAULTS[name]


login_per_ip = _setting("LOGIN_RATE_LIMIT")
login_per_email = _setting("LOGIN_EMAIL_RATE_LIMIT")
forgot_per_ip = _setting("PASSWORD_FORGOT_RATE_LIMIT")
forgot_per_email = _setting("PASSWORD_FORGOT_EMAIL_RATE_LIMIT")
register_per_ip = _setting("REGISTER_RATE_LIMIT")


def submitted_email() -> str:
    """The key for per-account limits: the normalized email in the form (the IP if none)."""
    email = normalize_email(request.form.get("email", ""))
    return f"email:{email}" if email else f"ip:{get_remote_address()}"


def failed_login(response: Response) -> bool:
    """Count a login attempt against the account only when it did not succeed."""
    return response.status_code != 302
