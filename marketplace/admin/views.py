"""Backbone administration pages."""
from __future__ import annotations

from flask import render_template

from marketplace.access import roles
from marketplace.admin import bp


@bp.route("/")
@roles("backbone")
def index():
    """Show the administration overview."""
    return render_template("admin/index.html")
