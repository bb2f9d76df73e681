"""Public pages: the home page and the per-role dashboard entry point."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from marketplace.public import views  # noqa: E402,F401
