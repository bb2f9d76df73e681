"""Matching: recommended opportunities, suggested vendors and invitations, saved searches and alerts."""
from flask import Blueprint

bp = Blueprint("matching", __name__)

# Imported by create_app after the package; `views` also registers the publish hook (alerts).
VIEW_MODULES = ("views",)
