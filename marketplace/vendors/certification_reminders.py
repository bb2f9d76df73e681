"""Expiry reminders at 60, 30 and 7 days, sent at most once per certification and threshold.

A certification is due for the threshold N when `expires_on - today <= N` (and it has not
expired). Only the *closest* due threshold is emailed: a first run 20 days before expiry sends
the 30-day reminder and records the 60-day one as skipped (a row in `certification_reminders`
plus a `certification.reminder_skipped` audit event), so nobody gets two emails on one day.
Each row is claimed with INSERT ... ON CONFLICT DO NOTHING, so two runs at once, or a second
run the same day, send nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import audit, db
from marketplace.vendors.certifications import LIVE_STATUSES, notify, renewal_of
from marketplace.vendors.models import Certification, CertificationReminder

REMINDER_DAYS = (60, 30, 7)


@dataclass
class ReminderSummary:
    """What one run did, for the command's report."""

    sent: dict[int, int] = field(default_factory=lambda: {n: 0 for n in REMINDER_DAYS})
    emails: int = 0
    skipped: int = 0
    already_sent: int = 0
    renewed: int = 0
    no_recipient: int = 0

    def lines(self, today: date) -> list[str]:
        """The summary as printed by `flask certifications remind`."""
        per = ", ".join(f"{n} days: {self.sent[n]}" for n in REMINDER_DAYS)
        return [
            f"Expiry reminders for {today.isoformat()}",
            f"  reminders sent: {sum(self.sent.values())} ({per}), {self.emails} emails queued",
            f"  earlier reminders skipped (a closer one was due): {self.skipped}",
            f"  already reminded: {self.already_sent}",
            f"  not reminded because already renewed: {self.renewed}",
            f"  no one to email (reminder recorded anyway): {self.no_recipient}",
        ]


def due_thresholds(cert: Certification, today: date) -> list[int]:
    """The thresholds reached on `today`, closest first; none once the certificate has expired."""
    days_left = (cert.expires_on - today).days
    if days_left < 0:
        return []
    return sorted(n for n in REMINDER_DAYS if days_left <= n)


def candidates(today: date) -> list[int]:
    """Ids of live certifications that expire within the largest threshold and have not expired."""
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    return list(db.session.scalars(
        sa.select(Certification.id)
        .where(Certification.status.in_(LIVE_STATUSES),
               Certification.expires_on >= today, Certification.expires_on <= horizon)
        .order_by(Certification.expires_on, Certification.id)))


def claim(cert_id: int, days_before: int, now: datetime) -> bool:
    """Record the reminder row; False when it already exists (another run got there first)."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = (
        insert(CertificationReminder)
        .values(certification_id=cert_id, days_before=days_before, sent_at=now)
        .on_conflict_do_nothing(index_elements=["certification_id", "days_before"])
        .returning(CertificationReminder.id)
    )
    return db.session.execute(statement).scalar() is not None


def recorded(cert_id: int) -> set[int]:
    """Thresholds already recorded for a certification."""
    return set(db.session.scalars(sa.select(CertificationReminder.days_before)
                                  .where(CertificationReminder.certification_id == cert_id)))


def remind(cert: Certification, today: date, now: datetime, summary: ReminderSummary) -> None:
    """Send the closest due reminder of one certification, recording skipped earlier ones."""
    due = due_thresholds(cert, today)
    if not due:
        return
    closest, earlier = due[0], due[1:]
    if closest in recorded(cert.id):
        summary.already_sent += 1
        return
    if renewal_of(cert) is not None:
        summary.renewed += 1
        return
    if not claim(cert.id, closest, now):
        summary.already_sent += 1
        return
    days_left = (cert.expires_on - today).days
    subject = (f"Your {cert.type} certification expires today" if days_left == 0 else
               f"Your {cert.type} certification expires in {days_left} day{'s' if days_left != 1 else ''}")
    emails = notify(cert, f"expiry-{closest}", subject, "certification_reminder",
                     days_left=days_left, threshold=closest)
    summary.sent[closest] += 1
    summary.emails += emails
    summary.no_recipient += emails == 0
    for threshold in earlier:
        if claim(cert.id, threshold, now):
            summary.skipped += 1
            audit.record("certification.reminder_skipped", "certification", cert.id, at=now,
                         detail={"vendor_id": cert.vendor_id, "days_before": threshold,
                                 "sent_instead": closest, "days_left": days_left})
