"""Anchor Marketplace: a regional vendor marketplace for anchor-institution collaboratives."""
from __future__ import annotations

import gc
import logging
import os
from typing import Any

from flask import Flask

BLUEPRINTS = (
    "marketplace.public:bp",
    "marketplace.auth:bp",
    "marketplace.admin:bp",
    "marketplace.documents:bp",
    "marketplace.naics:bp",
    "marketplace.vendors:bp",
    "marketplace.opportunities:bp",
    "marketplace.bids:bp",
    "marketplace.awards:bp",
    "marketplace.impact:bp",
    "marketplace.search:bp",
    "marketplace.matching:bp",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, database, security, blueprints, errors, CLI."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(root, "instance")),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    from marketplace.config import check_production_safety, load_config

    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    check_production_safety(app.config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.INFO)

    from marketplace import access, cli, db, errors, security, templating
    from marketplace.auth import sessions

    db.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)

    from importlib import import_module

    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        package = import_module(module_name)
        # A package may list its view modules instead of importing them in __init__, so that
        # importing its models never drags in views (and their imports) half-initialized.
        for view_module in getattr(package, "VIEW_MODULES", ()):
            import_module(f"{module_name}.{view_module}")
        app.register_blueprint(getattr(package, attr))
    return app


def freeze_startup_heap() -> None:
    """Put every object alive now (modules, the app, its caches) out of the cyclic collector's reach.

    A full collection otherwise walks all of them (some 150,000), pausing whichever request
    triggers it for tens of milliseconds; call this once the app is built, before serving
    (and before a pre-forking server forks, so workers share the pages).
    """
    gc.collect()
    gc.freeze()
