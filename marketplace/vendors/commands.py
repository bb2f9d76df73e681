"""`flask certifications ...`: expiry reminders."""
from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from marketplace import clock, db
from marketplace.vendors import certification_reminders as reminders
from marketplace.vendors.models import Certification

certifications_cli = AppGroup("certifications", help="Certification housekeeping.")


@certifications_cli.command("remind")
@click.option("--today", "today_text", metavar="YYYY-MM-DD",
              help="The date to act as today (default: the current UTC date).")
def remind(today_text: str | None) -> None:
    """Email expiry reminders due 60, 30 and 7 days before expiry; safe to run more than once a day."""
    now = clock.utcnow()
    today = _parse_day(today_text) if today_text else now.date()
    summary = reminders.ReminderSummary()
    for cert_id in reminders.candidates(today):
        cert = db.session.get(Certification, cert_id)
        if cert is None:
            continue
        reminders.remind(cert, today, now, summary)
        # The reminder rows and their emails commit together, one certification at a time.
        db.session.commit()
    db.session.remove()
    for line in summary.lines(today):
        click.echo(line)


def _parse_day(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD, e.g. 2026-03-31", param_hint="--today") from None


commands = [certifications_cli]
