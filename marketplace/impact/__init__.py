"""Impact purchasing: spend lines, their import and review, and the percentages computed from them."""
from flask import Blueprint

from marketplace.impact import invalidation as _invalidation

bp = Blueprint("impact", __name__)

_invalidation.register()  # rollup stale markers, in the same transaction as each change

# Imported by create_app after the package, so importing the impact models never loads views.
VIEW_MODULES = ("views", "dashboard_views", "goal_views")
