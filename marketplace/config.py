"""Settings read from the environment, with safe development defaults."""
from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-insecure-change-me"
RATE_LIMIT_SETTINGS = (
    "LOGIN_EMAIL_RATE_LIMIT", "PASSWORD_FORGOT_RATE_LIMIT", "PASSWORD_FORGOT_EMAIL_RATE_LIMIT",
    "REGISTER_RATE_LIMIT",
)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    """Return the configuration dict built from environment variables."""
    instance = Path(instance_path)
    env = os.environ.get("MARKETPLACE_ENV", "development")
    production = env == "production"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'marketplace.db'}"
        ),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance / "uploads")),
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "1025")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Anchor Marketplace <no-reply@anchor-marketplace.local>"
        ),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # The other limits (defaults in marketplace/auth/limits.py) are taken from the
        # environment when set.
        **{name: os.environ[name] for name in RATE_LIMIT_SETTINGS if name in os.environ},
        "COLLABORATIVE_NAME": os.environ.get("COLLABORATIVE_NAME", "Anchor Collaborative"),
        "INVITATION_TTL_HOURS": int(os.environ.get("INVITATION_TTL_HOURS", "72")),
        "PASSWORD_RESET_TTL_MINUTES": int(os.environ.get("PASSWORD_RESET_TTL_MINUTES", "60")),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PRODUCTION": production,
    }


class ConfigurationError(RuntimeError):
    """Raised when the app would start with an unsafe configuration."""


def check_production_safety(config: dict) -> None:
    """Refuse to start in production with the development secret key."""
    if config.get("PRODUCTION") and config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise ConfigurationError(
            "SECRET_KEY must be set to a strong random value when MARKETPLACE_ENV=production"
        )
