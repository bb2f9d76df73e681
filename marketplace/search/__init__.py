"""Search: the opportunity and vendor search pages, the index behind them, and saved searches."""
from flask import Blueprint

bp = Blueprint("search", __name__)

# Imported by create_app after the package, so importing the search models never loads views.
VIEW_MODULES = ("views",)


@bp.record_once
def _wire(state) -> None:
    """Record index events on every commit; start this process's applier on its first request."""
    from marketplace.search import sync

    sync.register()
    app = state.app

    def _start_applier() -> None:
        if app.config.get("SEARCH_APPLIER", not app.testing):
            sync.start_applier(app)

    app.before_request(_start_applier)
