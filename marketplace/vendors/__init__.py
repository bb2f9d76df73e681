"""Vendors: registration and profile, certifications and their verification, the directory."""
from flask import Blueprint

bp = Blueprint("vendors", __name__)

# Imported by create_app after the package, so importing vendor models never loads views.
VIEW_MODULES = ("profile_views", "certification_views", "directory_views")
