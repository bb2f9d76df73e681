"""Password hashing and the OWASP ASVS L2 password rules."""
from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The common-password list that ships inside the zxcvbn package (offline)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Return why `password` is refused, or an empty list when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        problems.append("This password is too common. Choose one that is harder to guess.")
    if email and lowered == email.lower():
        problems.append("Do not use your email address as your password.")
    return problems


def hash_password(password: str) -> str:
    """Hash with the configured method: scrypt (Werkzeug's default) unless a test lowers it."""
    from flask import current_app, has_app_context

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`."""
    return check_password_hash(password_hash, password)


_DUMMY_HASH = None


def burn_time() -> None:
    """Hash once anyway, so an unknown email takes as long as a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password-anywhere")
    check_password_hash(_DUMMY_HASH, "still not a real password")
