"""Expiry: validity boundaries, and reminders 60, 30 and 7 days before, each sent once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.mail.models import OutboxMessage
from marketplace.vendors import certification_reminders as reminders
from marketplace.vendors.models import Certification, CertificationReminder
from tests.vendors.test_certifications import NOW, TODAY, make_cert, now  # noqa: F401  (fixtures)


@pytest.fixture
def vendor(make_user, now):
    """A vendor business with one user, who receives the reminders."""
    return make_user("vendor", email="owner@vendor.example").vendor


def remind(runner, today: date | None = None):
    args = ["certifications", "remind"] + (["--today", today.isoformat()] if today else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def rows(cert_id: int) -> list[int]:
    return sorted(db.session.scalars(sa.select(CertificationReminder.days_before)
                                     .where(CertificationReminder.certification_id == cert_id)))


def expiring_in(make_cert, vendor, days: int, **fields) -> Certification:
    cert = make_cert(vendor.id, document=False, status=fields.pop("status", "verified"),
                     expires_on=TODAY + timedelta(days=days), **fields)
    db.session.commit()
    return cert


# --- validity ---------------------------------------------------------------------------


def test_certification_is_valid_on_its_expiry_date_and_expired_the_day_after(vendor, make_cert):
    cert = make_cert(vendor.id, status="verified", effective_on=date(2025, 1, 1), expires_on=date(2026, 6, 30))
    assert cert.effective_status(date(2026, 6, 30)) == "verified"
    assert cert.effective_status(date(2026, 7, 1)) == "expired"
    assert cert.effective_status(date(2025, 1, 1)) == "verified"


@pytest.mark.parametrize("status", ["self_attested", "pending", "verified"])
def test_claims_in_any_live_status_show_as_expired_after_expiry(vendor, make_cert, status):
    cert = make_cert(vendor.id, status=status, expires_on=date(2026, 6, 30))
    assert cert.effective_status(date(2026, 7, 1)) == "expired"


@pytest.mark.parametrize("status", ["rejected", "withdrawn"])
def test_rejected_and_withdrawn_keep_their_status_after_expiry(vendor, make_cert, status):
    cert = make_cert(vendor.id, status=status, expires_on=date(2026, 6, 30))
    assert cert.effective_status(date(2026, 7, 1)) == status


def test_expired_status_is_never_stored(vendor, make_cert, runner):
    cert = make_cert(vendor.id, status="verified", expires_on=TODAY - timedelta(days=1))
    db.session.commit()
    remind(runner)
    assert db.session.get(Certification, cert.id).status == "verified"


# --- reminders --------------------------------------------------------------------------


@pytest.mark.parametrize("days", [60, 30, 7])
def test_reminder_is_sent_exactly_n_days_before_expiry(runner, vendor, make_cert, days):
    cert = expiring_in(make_cert, vendor, days)
    output = remind(runner)
    [message] = outbox()
    assert message.to_address == "owner@vendor.example"
    assert message.subject == f"Your SBE certification expires in {days} days"
    assert cert.expires_on.isoformat() in message.body_text and "/vendor/certifications" in message.body_text
    assert rows(cert.id) == sorted(n for n in reminders.REMINDER_DAYS if n >= days)  # earlier ones: skipped
    assert "reminders sent: 1" in output


@pytest.mark.parametrize("days", [61, 31, 8])
def test_no_new_reminder_the_day_before_a_threshold(runner, vendor, make_cert, days):
    cert = expiring_in(make_cert, vendor, days)
    if days < 60:  # the earlier thresholds were already sent on their day
        for n in (n for n in reminders.REMINDER_DAYS if n > days):
            db.session.add(CertificationReminder(certification_id=cert.id, days_before=n, sent_at=NOW))
        db.session.commit()
    remind(runner)
    assert outbox() == []


def test_running_twice_sends_nothing_twice(runner, vendor, make_cert):
    expiring_in(make_cert, vendor, 30)
    remind(runner)
    output = remind(runner)
    assert len(outbox()) == 1
    assert "reminders sent: 0" in output and "already reminded: 1" in output


def test_late_first_run_sends_only_the_closest_reminder_and_records_the_skipped_one(runner, vendor, make_cert):
    cert = expiring_in(make_cert, vendor, 20)
    output = remind(runner)
    [message] = outbox()
    assert message.subject == "Your SBE certification expires in 20 days"
    assert rows(cert.id) == [30, 60]
    [skipped] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certification.reminder_skipped"))
    assert skipped.object_id == str(cert.id)
    assert skipped.detail == {"vendor_id": vendor.id, "days_before": 60, "sent_instead": 30, "days_left": 20}
    assert "(60 days: 0, 30 days: 1, 7 days: 0)" in output and "skipped (a closer one was due): 1" in output
    # The following days send nothing until the 7-day threshold, which sends once.
    for day in range(1, 13):
        remind(runner, TODAY + timedelta(days=day))
    assert len(outbox()) == 1
    remind(runner, TODAY + timedelta(days=13))
    remind(runner, TODAY + timedelta(days=14))
    assert [m.subject for m in outbox()][1:] == ["Your SBE certification expires in 7 days"]
    assert rows(cert.id) == [7, 30, 60]


def test_missed_day_still_sends_the_reminder(runner, vendor, make_cert):
    cert = expiring_in(make_cert, vendor, 58)  # the 60-day run did not happen
    remind(runner)
    assert len(outbox()) == 1 and rows(cert.id) == [60]


def test_certificate_expiring_today_gets_the_seven_day_reminder_and_none_after(runner, vendor, make_cert):
    cert = expiring_in(make_cert, vendor, 0)
    remind(runner)
    assert [m.subject for m in outbox()] == ["Your SBE certification expires today"]
    remind(runner, TODAY + timedelta(days=1))
    assert len(outbox()) == 1 and rows(cert.id) == [7, 30, 60]


def test_expired_certificate_gets_no_reminder(runner, vendor, make_cert):
    expiring_in(make_cert, vendor, -1)
    remind(runner)
    assert outbox() == []


@pytest.mark.parametrize("status, reminded", [("self_attested", True), ("pending", True), ("verified", True),
                                              ("rejected", False), ("withdrawn", False)])
def test_reminders_go_to_live_claims_only(runner, vendor, make_cert, status, reminded):
    expiring_in(make_cert, vendor, 7, status=status)
    remind(runner)
    assert len(outbox()) == int(reminded)


def test_renewed_certificate_gets_no_reminder(runner, vendor, make_cert):
    old = expiring_in(make_cert, vendor, 30)
    make_cert(vendor.id, document=False, renews_id=old.id, effective_on=old.expires_on + timedelta(days=1),
              expires_on=old.expires_on + timedelta(days=3 * 365))
    db.session.commit()
    output = remind(runner)
    assert outbox() == [] and "already renewed: 1" in output


def test_every_active_user_of_the_vendor_is_reminded(runner, vendor, make_user, make_cert):
    make_user("vendor", vendor_id=vendor.id, email="second@vendor.example")
    expiring_in(make_cert, vendor, 7)
    remind(runner)
    assert sorted(m.to_address for m in outbox()) == ["owner@vendor.example", "second@vendor.example"]


def test_claiming_a_reminder_twice_fails_the_second_time(app, vendor, make_cert):
    cert = expiring_in(make_cert, vendor, 7)
    assert reminders.claim(cert.id, 7, NOW) is True
    assert reminders.claim(cert.id, 7, NOW) is False  # what a concurrent run sees
    assert rows(cert.id) == [7]


def test_reminder_claimed_by_another_run_is_not_sent(runner, vendor, make_cert):
    cert = expiring_in(make_cert, vendor, 7)
    db.session.add(CertificationReminder(certification_id=cert.id, days_before=7, sent_at=NOW))
    db.session.commit()
    remind(runner)
    assert outbox() == []


def test_reminder_is_delivered_by_the_outbox(runner, vendor, make_cert, smtp_server):
    expiring_in(make_cert, vendor, 7)
    before = len(smtp_server["messages"])
    remind(runner)
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    [mail] = smtp_server["messages"][before:]
    assert mail["To"] == "owner@vendor.example"
    assert "Renew" in mail.get_payload(decode=True).decode()


def test_today_defaults_to_the_clock_and_a_bad_date_is_refused(runner, vendor, make_cert):
    assert f"Expiry reminders for {TODAY.isoformat()}" in remind(runner)
    result = runner.invoke(args=["certifications", "remind", "--today", "31/03/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
