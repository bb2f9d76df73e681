"""Impact purchasing: spend lines, their import and review, and the percentages computed from them."""
from flask import Blueprint

bp = Blueprint("impact", __name__)

# Imported by create_app after the package, so importing the impact models never loads views.
VIEW_MODULES = ("views", "dashboard_views", "goal_views")
