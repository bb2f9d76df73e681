"""Opportunities: public listing and detail, officers' management, vendors' follow / Q&A / addenda."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint

bp = Blueprint("opportunities", __name__)

# Imported by create_app after the package, so importing opportunity models never loads views.
VIEW_MODULES = ("public_views", "manage_views", "vendor_views")


@bp.app_template_filter("remaining")
def remaining(closes_at: datetime, now: datetime) -> str:
    """The time left before `closes_at`, in words (the countdown script refines it live)."""
    seconds = int((closes_at - now).total_seconds())
    if seconds <= 0:
        return "Closed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' * (days != 1)} {hours} hour{'s' * (hours != 1)} left"
    if hours:
        return f"{hours} hour{'s' * (hours != 1)} {minutes} minute{'s' * (minutes != 1)} left"
    if minutes == 0:
        return "Less than a minute left"
    return f"{minutes} minute{'s' * (minutes != 1)} left"

