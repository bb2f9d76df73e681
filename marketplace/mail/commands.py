"""`flask outbox ...`: deliver queued email."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace import db
from marketplace.mail import services

outbox_cli = AppGroup("outbox", help="Deliver queued email.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep delivering every few seconds until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
def send(loop: bool, interval: float) -> None:
    """Deliver every due message in the outbox over SMTP."""
    while True:
        sent, failed = services.deliver_pending(current_app.config)
        db.session.remove()
        if not loop:
            click.echo(f"sent {sent}, failed {failed}")
            if failed:
                raise SystemExit(1)
            return
        time.sleep(interval)


commands = [outbox_cli]
