"""`flask documents ...`: upload-directory housekeeping."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace import db
from marketplace.documents import services

documents_cli = AppGroup("documents", help="Manage stored upload files.")


@documents_cli.command("sweep")
@click.option("--older-than-minutes", default=60, show_default=True,
              help="Delete abandoned temporary files at least this old.")
def sweep(older_than_minutes: int) -> None:
    """Finish file moves a crash interrupted and delete abandoned temporary uploads."""
    moved, deleted = services.sweep_incoming(older_than_minutes * 60)
    db.session.remove()
    click.echo(f"moved into place {moved}, deleted {deleted}")


commands = [documents_cli]
