"""Profile services: EIN, identity, NAICS, size, small status and the registration steps."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import DomainError
from marketplace.vendors import profile
from marketplace.vendors.models import Certification
from marketplace.vendors.profile_status import small_status

IDENTITY_ARGS = dict(legal_name="Rivera Plumbing LLC", dba=None, ein=None, website=None,
                     contact_name="Ana Rivera", contact_email="ana@example.org",
                     contact_phone="305-555-0123", year_established=2015)


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("typed", ["12-3456789", "123456789", " 12 3456789 ", "12-345-6789"])
def test_ein_is_normalized_to_two_dash_seven_digits(typed):
    assert profile.normalize_ein(typed) == "12-3456789"


@pytest.mark.parametrize("typed", ["1234", "12-34567890", "AB-1234567", "00-1234567"])
def test_malformed_ein_is_refused_with_a_field_message(typed):
    with pytest.raises(DomainError) as caught:
        profile.normalize_ein(typed)
    assert caught.value.errors["ein"] == ["Enter the EIN as 9 digits, like 12-3456789."]


def test_blank_ein_is_stored_as_null(make_vendor):
    vendor = profile.update_identity(make_vendor(), **{**IDENTITY_ARGS, "ein": "  "})
    assert vendor.ein is None


def test_ein_already_registered_is_a_field_error_not_a_crash(make_vendor):
    make_vendor(ein="12-3456789")
    vendor = make_vendor()
    with pytest.raises(DomainError) as caught:
        profile.update_identity(vendor, **{**IDENTITY_ARGS, "ein": "123456789"})
    assert caught.value.errors["ein"] == [profile.EIN_TAKEN]
    assert vendor.ein is None


def test_keeping_your_own_ein_is_not_a_duplicate(make_vendor):
    vendor = make_vendor(ein="12-3456789")
    profile.update_identity(vendor, **{**IDENTITY_ARGS, "ein": "12-3456789"})
    assert vendor.ein == "12-3456789"
    assert _events("vendor.ein_changed") == []


def test_ein_change_is_audited_with_old_and_new_values(make_vendor):
    vendor = make_vendor(ein="12-3456789")
    profile.update_identity(vendor, **{**IDENTITY_ARGS, "ein": "98-7654321"})
    [event] = _events("vendor.ein_changed")
    assert event.object_id == str(vendor.id) and event.detail == {"from": "12-3456789", "to": "98-7654321"}


def test_identity_renames_update_the_normalized_name_and_are_audited(make_vendor):
    vendor = make_vendor()
    profile.update_identity(vendor, **{**IDENTITY_ARGS, "legal_name": "Rivera  Plumbing, L.L.C."})
    assert vendor.legal_name == "Rivera Plumbing, L.L.C."
    assert vendor.normalized_name == "rivera plumbing"
    assert len(_events("vendor.legal_name_changed")) == 1


def test_identity_reports_every_bad_field_at_once_and_changes_nothing(make_vendor):
    vendor = make_vendor(contact_phone="305-555-0000")
    with pytest.raises(DomainError) as caught:
        profile.update_identity(vendor, **{**IDENTITY_ARGS, "ein": "12", "website": "not a site",
                                           "contact_phone": "555", "contact_email": "ana@",
                                           "year_established": 1700})
    assert set(caught.value.errors) == {"ein", "website", "contact_phone", "contact_email", "year_established"}
    assert vendor.contact_phone == "305-555-0000"


def test_website_gets_https_when_typed_without_it(make_vendor):
    vendor = profile.update_identity(make_vendor(), **{**IDENTITY_ARGS, "website": "www.rivera.example.com"})
    assert vendor.website == "https://www.rivera.example.com"


def test_naics_unknown_codes_are_named_in_the_message(make_vendor):
    vendor = make_vendor()
    with pytest.raises(DomainError) as caught:
        profile.set_naics(vendor, codes=["238220", "999999", "5617"], primary=None, capability_statement="x")
    messages = " ".join(caught.value.errors["naics_codes"])
    assert "999999 is not a NAICS 2022 code" in messages
    assert "5617 (Services to Buildings and Dwellings) is a broader NAICS level" in messages
    assert vendor.naics_codes == []


def test_naics_needs_at_least_one_code_and_a_capability_statement(make_vendor):
    with pytest.raises(DomainError) as caught:
        profile.set_naics(make_vendor(), codes=[], primary=None, capability_statement="   ")
    assert set(caught.value.errors) == {"naics_codes", "capability_statement"}


def test_capability_statement_is_limited_to_5000_characters(make_vendor):
    with pytest.raises(DomainError) as caught:
        profile.set_naics(make_vendor(), codes=["238220"], primary=None, capability_statement="a" * 5001)
    assert "5,000" in caught.value.errors["capability_statement"][0]


def test_first_code_is_primary_unless_another_is_chosen(make_vendor):
    vendor = make_vendor()
    profile.set_naics(vendor, codes=["561720", "238220"], primary=None, capability_statement="Cleaning.")
    assert profile.primary_code(vendor) == "561720"


def test_switching_the_primary_code_keeps_exactly_one_primary(make_vendor):
    vendor = make_vendor()
    profile.set_naics(vendor, codes=["561720", "238220"], primary="561720", capability_statement="x")
    profile.set_naics(vendor, codes=["238220", "561720", "561730"], primary="238220", capability_statement="x")
    db.session.expire(vendor)
    assert [(n.code, n.is_primary) for n in vendor.naics_codes] == [
        ("238220", True), ("561720", False), ("561730", False)]
    profile.set_naics(vendor, codes=["561730"], primary=None, capability_statement="x")
    db.session.expire(vendor)
    assert [(n.code, n.is_primary) for n in vendor.naics_codes] == [("561730", True)]


def test_primary_code_must_be_one_of_the_listed_codes(make_vendor):
    with pytest.raises(DomainError) as caught:
        profile.set_naics(make_vendor(), codes=["238220"], primary="561720", capability_statement="x")
    assert "primary_naics" in caught.value.errors


def test_size_needs_employees_and_a_known_revenue_band(make_vendor):
    with pytest.raises(DomainError) as caught:
        profile.update_size(make_vendor(), employees=-1, revenue_band="lots")
    assert set(caught.value.errors) == {"employees", "revenue_band"}


@pytest.mark.parametrize(("employees", "band", "small"), [
    (12, "under_1m", True), (499, "5m_10m", True), (500, "5m_10m", False), (12, "10m_25m", False),
    (None, "under_1m", False), (12, None, False),
])
def test_self_attested_small_needs_under_500_employees_and_revenue_up_to_10m(make_vendor, employees, band, small):
    status = small_status(make_vendor(employees=employees, revenue_band=band), date(2026, 1, 1))
    assert status.is_small is small
    assert status.verified is False
    if small:
        assert status.reason == "Self-attested small (from employees and revenue; not verified)"


def _sbe(vendor, status: str, effective: date, expires: date) -> Certification:
    cert = Certification(vendor_id=vendor.id, type="SBE", agency="Broward County OESBD", number="SBE-77",
                         effective_on=effective, expires_on=expires, status=status,
                         created_at=datetime.now(UTC))
    db.session.add(cert)
    db.session.flush()
    db.session.refresh(vendor)
    return cert


def test_a_verified_valid_sbe_certificate_makes_small_verified(make_vendor):
    vendor = make_vendor(employees=900, revenue_band="over_100m")
    _sbe(vendor, "verified", date(2025, 1, 1), date(2026, 12, 31))
    status = small_status(vendor, date(2026, 12, 31))
    assert status.is_small and status.verified
    assert status.reason.startswith("Small business: verified SBE certificate no. SBE-77 from Broward County OESBD")


def test_an_expired_or_unverified_sbe_certificate_does_not_verify_small(make_vendor):
    vendor = make_vendor(employees=12, revenue_band="under_1m")
    _sbe(vendor, "verified", date(2024, 1, 1), date(2025, 12, 31))
    _sbe(vendor, "pending", date(2025, 1, 1), date(2027, 1, 1))
    _sbe(vendor, "self_attested", date(2025, 1, 1), date(2027, 1, 1))
    status = small_status(vendor, date(2026, 1, 1))
    assert status.is_small and not status.verified


def test_registration_steps_are_derived_from_the_saved_answers(make_vendor, complete_profile, frozen_clock):
    frozen_clock(datetime(2026, 3, 1, 15, tzinfo=UTC))
    vendor = make_vendor(contact_name="Ana", contact_email="ana@example.org")
    assert profile.first_incomplete_step(vendor) == "identity"
    vendor.contact_phone = "305-555-0123"
    assert profile.first_incomplete_step(vendor) == "address"
    complete_profile(vendor)
    assert profile.first_incomplete_step(vendor) == "review"
    assert [done for _, done in profile.progress(vendor)] == [True, True, True, True, False]


def test_registration_cannot_finish_with_steps_missing(make_vendor):
    vendor = make_vendor()
    with pytest.raises(DomainError) as caught:
        profile.complete_registration(vendor)
    assert "“Where you work”" in caught.value.message
    assert vendor.registration_completed_at is None


def test_finishing_registration_sets_the_time_and_is_audited_once(make_vendor, complete_profile, frozen_clock):
    now = datetime(2026, 3, 1, 15, tzinfo=UTC)
    frozen_clock(now)
    vendor = complete_profile(make_vendor())
    profile.complete_registration(vendor)
    profile.complete_registration(vendor)
    assert vendor.registration_completed_at == now
    assert len(_events("vendor.registration_completed")) == 1
