"""Jinja helpers: dates shown in a zone with its abbreviation, money, navigation per role."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask


def format_instant(value: datetime | None, tz: str = "America/New_York") -> str:
    """Show an instant in `tz`, always with the zone abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%b %-d, %Y %-I:%M %p ") + (local.tzname() or tz)


def format_money(value: Decimal | None) -> str:
    """Show money as $1,234.56."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


# Header navigation per role: (endpoint, label). Endpoints not (yet) registered are skipped.
NAV_LINKS: dict[str, list[tuple[str, str]]] = {
    "anonymous": [
        ("public.home", "Home"),
        ("opportunities.public_list", "Opportunities"),
        ("search.opportunities", "Search"),
        ("impact.public_summary", "Impact"),
        ("auth.register", "Register your business"),
        ("auth.login", "Log in"),
    ],
    "vendor": [
        ("public.dashboard", "Dashboard"),
        ("opportunities.public_list", "Opportunities"),
        ("search.opportunities", "Search"),
        ("bids.mine", "My bids"),
        ("vendors.profile", "Business profile"),
        ("vendors.certifications", "Certifications"),
        ("matching.saved_list", "Saved searches"),
        ("auth.colleagues", "Colleagues"),
    ],
    "officer": [
        ("public.dashboard", "Dashboard"),
        ("opportunities.manage_list", "Our opportunities"),
        ("awards.debrief_requests", "Debriefs"),
        ("vendors.directory", "Vendor directory"),
        ("search.opportunities", "Search"),
        ("impact.institution_dashboard", "Impact"),
        ("impact.spend_import", "Spend imports"),
    ],
    "backbone": [
        ("public.dashboard", "Dashboard"),
        ("admin.index", "Administration"),
        ("admin.institutions", "Institutions"),
        ("admin.settings", "Settings"),
        ("vendors.verification_queue", "Verify certifications"),
        ("vendors.directory", "Vendor directory"),
        ("search.opportunities", "Search"),
        ("impact.collaborative_dashboard", "Impact"),
    ],
}


def nav_links() -> list[tuple[str, str]]:
    """The header links for the current user's role."""
    from flask import current_app
    from flask_login import current_user

    role = current_user.role if current_user.is_authenticated else "anonymous"
    known = current_app.view_functions
    return [(endpoint, label) for endpoint, label in NAV_LINKS[role] if endpoint in known]


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.filters["instant"] = format_instant
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
