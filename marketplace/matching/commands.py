"""`flask alerts ...`: the daily digest of saved-search alerts (run it from cron once a day)."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from marketplace import clock, db
from marketplace.matching import alerts

alerts_cli = AppGroup("alerts", help="Saved-search alerts.")


def _instant(value: str | None) -> datetime:
    if not value:
        return clock.utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO 8601 instant, e.g. 2027-03-02T12:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@alerts_cli.command("digest")
@click.option("--now", "now_text", default=None, help="The instant to run as (ISO 8601; default: now). Naive means UTC.")
def digest(now_text: str | None) -> None:
    """Email each daily saved search the new matching opportunities since its last digest (idempotent)."""
    now = _instant(now_text)
    summary = alerts.run_digest(now)
    db.session.commit()
    click.echo(f"{summary.searches} daily saved searches checked, {summary.emails} digests queued "
               f"({summary.alerts} opportunities); `flask outbox send` delivers them")


commands = [alerts_cli]
