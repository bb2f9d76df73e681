"""Home page and dashboard."""
from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from marketplace.access import public, roles
from marketplace.public import bp, services


@bp.app_template_global()
def endpoint_exists(endpoint: str) -> bool:
    """True when `endpoint` is registered, so templates can link to pages other packages add."""
    return endpoint in current_app.view_functions


@bp.route("/")
@public
def home():
    """Show the public home page."""
    return render_template("public/home.html")


@bp.route("/dashboard")
@roles("vendor", "officer", "backbone")
def dashboard():
    """Show the signed-in user's starting page for their role."""
    context = {}
    if current_user.role == "backbone":
        context["collaborative"] = services.current_collaborative()
    return render_template(f"public/dashboard_{current_user.role}.html", **context)
