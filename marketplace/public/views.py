"""Home page and dashboard."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from marketplace.access import public, roles
from marketplace.public import bp


@bp.route("/")
@public
def home():
    """Show the public home page."""
    return render_template("public/home.html")


@bp.route("/dashboard")
@roles("vendor", "officer", "backbone")
def dashboard():
    """Show the signed-in user's starting page for their role."""
    return render_template(f"public/dashboard_{current_user.role}.html")
