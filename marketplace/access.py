"""Every route declares who may use it; the check runs centrally and fails closed.

`@public` opens a view to everyone (logged in or not); `@roles("vendor", ...)` limits it to
logged-in users of those roles. A view without a declaration is refused for everybody, and
the access-matrix test walks `app.url_map` to make sure none exists.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from marketplace.models_common import ROLES

F = TypeVar("F", bound=Callable)
ANONYMOUS = "anonymous"
EVERYONE = frozenset({ANONYMOUS, *ROLES})


def public(view: F) -> F:
    """Let anyone, logged in or not, use this view."""
    view._access = EVERYONE  # type: ignore[attr-defined]
    return view


def roles(*names: str) -> Callable[[F], F]:
    """Limit this view to logged-in users holding one of `names`."""
    unknown = set(names) - set(ROLES)
    if unknown or not names:
        raise ValueError(f"unknown roles: {sorted(unknown) or 'none given'}")

    def decorate(view: F) -> F:
        view._access = frozenset(names)  # type: ignore[attr-defined]
        return view

    return decorate


def allowed_roles(endpoint: str, app: Flask | None = None) -> frozenset[str] | None:
    """The roles allowed on `endpoint`, or None when the view declares nothing."""
    app = app or current_app
    view = app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def init_app(app: Flask) -> None:
    """Install the central check that runs before every view."""

    @app.before_request
    def _enforce_declared_access():
        if request.endpoint is None or request.endpoint == "static":
            return None
        allowed = allowed_roles(request.endpoint, app)
        if allowed is None:
            abort(403)
        if ANONYMOUS in allowed:
            return None
        if not current_user.is_authenticated:
            return app.login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None
