"""Awards: split awards from the tabulation, contracts, the public award notice, debriefs."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("awards", __name__)

# Imported by create_app after the package, so importing award models never loads views.
VIEW_MODULES = ("views",)
