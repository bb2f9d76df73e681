"""Random single-use tokens: the user gets the token, the database keeps only its SHA-256."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return a fresh URL-safe token and the hash to store for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The hex SHA-256 of `token`; a token is looked up by this, never stored in the clear."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link(config: dict, path: str) -> str:
    """An absolute link for an email, built on BASE_URL (emails may be queued outside a request)."""
    return config["BASE_URL"].rstrip("/") + path
