"""Accounts: registration, login and logout, invitations, password reset."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from marketplace.auth import invitation_views, password_views, views  # noqa: E402,F401
