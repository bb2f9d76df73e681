"""`flask` commands. Each domain registers its own group here; this module wires them up."""
from __future__ import annotations

from importlib import import_module

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace import migrate

db_cli = AppGroup("db", help="Upgrade or downgrade the database schema (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Downgrade the database to REVISION (default: one step back; `base` empties it)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


# Modules exposing `commands`: a list of click commands/groups to add to `flask`.
COMMAND_MODULES: tuple[str, ...] = (
    "marketplace.mail.commands",
    "marketplace.auth.commands",
    "marketplace.institutions.commands",
    "marketplace.seed",
    "marketplace.documents.commands",
    "marketplace.vendors.import_commands",
    "marketplace.vendors.commands",
    "marketplace.impact.commands",
    "marketplace.search.commands",
    "marketplace.matching.commands",
)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(db_cli)
    for name in COMMAND_MODULES:
        for command in import_module(name).commands:
            app.cli.add_command(command)
