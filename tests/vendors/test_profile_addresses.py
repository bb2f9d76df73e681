"""Addresses: P.O. boxes, ZIP codes, moves that keep history, corrections in place, offices."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import DomainError
from marketplace.vendors import profile_addresses as addresses
from marketplace.vendors.local import is_local, principal_address_on

TODAY = date(2026, 6, 15)
BROWARD = dict(line1="100 Las Olas Blvd", line2=None, city="Fort Lauderdale", state="FL", zip_code="33301")
MIAMI = dict(line1="200 SW 8th Street", line2=None, city="Miami", state="FL", zip_code="33130")


def _save(vendor, where=BROWARD, change=None, since=None, **overrides):
    return addresses.save_principal_address(vendor, **{**where, **overrides}, change=change, since=since,
                                            today=TODAY)


@pytest.mark.parametrize("line", [
    "PO Box 123", "P.O. Box 123", "p.o. box 123", "P. O. Box 55", "PO BOX 9", "POBox 12", "PO Bx 4",
    "Post Office Box 77", "post office box 1", "Postal Box 3", "POB 12", "P.O.B. 12", "pob 1",
    "Box 123", "box #45", "BOX 9", "Box No. 5",
])
def test_po_box_variants_are_recognized(line):
    assert addresses.is_po_box(line)


@pytest.mark.parametrize("line", [
    "100 Main Street", "12 Boxwood Lane", "5 Box Elder Road", "1 Post Road", "77 Pobrecito Way",
    "Suite 400", "300 Apopka Blvd", "9 Poblano Court",
])
def test_street_addresses_are_not_mistaken_for_po_boxes(line):
    assert not addresses.is_po_box(line)


@pytest.mark.parametrize("field", ["line1", "line2"])
def test_principal_address_refuses_a_po_box_with_a_clear_message(make_vendor, field):
    vendor = make_vendor()
    with pytest.raises(DomainError) as caught:
        _save(vendor, **{field: "P.O. Box 123"})
    assert caught.value.errors[field] == [addresses.PO_BOX_MESSAGE]
    assert "not a P.O. box" in addresses.PO_BOX_MESSAGE
    assert vendor.addresses == []


def test_an_other_office_may_be_a_po_box(make_vendor):
    office = addresses.add_office(make_vendor(), **{**MIAMI, "line1": "PO Box 12"}, since=None, today=TODAY)
    assert office.kind == "office" and office.county == "Miami-Dade County"


def test_county_is_derived_from_the_zip_and_zip_plus_four_is_accepted(make_vendor):
    address = _save(make_vendor(), zip_code="33301-1234")
    assert (address.zip, address.state, address.county) == ("33301", "FL", "Broward County")


@pytest.mark.parametrize(("zip_code", "message"), [
    ("M5V 2T6", "Enter a 5-digit US ZIP code"),    # Toronto: outside the US
    ("SW1A 1AA", "Enter a 5-digit US ZIP code"),   # London
    ("3330", "Enter a 5-digit US ZIP code"),
    ("00000", "We cannot find ZIP code 00000"),
    ("99999", "We cannot find ZIP code 99999"),
])
def test_zip_must_be_a_real_us_zip(make_vendor, zip_code, message):
    with pytest.raises(DomainError) as caught:
        _save(make_vendor(), zip_code=zip_code)
    assert caught.value.errors["zip"][0].startswith(message)


def test_state_must_match_the_zip(make_vendor):
    with pytest.raises(DomainError) as caught:
        _save(make_vendor(), state="GA")
    assert caught.value.errors["state"] == [
        "ZIP code 33301 is in FL, not GA. Please check the state or the ZIP code."]


def test_first_address_without_a_date_counts_since_always(make_vendor):
    vendor = make_vendor()
    address = _save(vendor)
    assert address.effective_from is None
    assert principal_address_on(vendor, date(1990, 1, 1)) is address


def test_move_closes_the_old_address_the_day_before_and_keeps_history(make_vendor, region):
    vendor = make_vendor()
    old = _save(vendor)
    new = _save(vendor, MIAMI, change="move", since=date(2026, 3, 1))
    assert (old.effective_from, old.effective_to) == (None, date(2026, 2, 28))
    assert (new.effective_from, new.effective_to) == (date(2026, 3, 1), None)
    assert addresses.principal_history(vendor) == [new, old]
    assert is_local(vendor, region, date(2026, 2, 28)).is_local
    assert not is_local(vendor, region, date(2026, 3, 1)).is_local
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "vendor.address_moved")).all()
    assert event.detail["on"] == "2026-03-01" and event.detail["to"]["county"] == "Miami-Dade County"


def test_moving_into_the_region_makes_the_vendor_local_from_the_move_date(make_vendor, region):
    vendor = make_vendor()
    _save(vendor, MIAMI, since=date(2020, 1, 1))
    _save(vendor, BROWARD, change="move", since=date(2026, 3, 1))
    assert not is_local(vendor, region, date(2026, 2, 28)).is_local
    status = is_local(vendor, region, date(2026, 3, 1))
    assert status.is_local and status.reason == "principal place of business in Broward County, FL since 2026-03-01"
    assert not is_local(vendor, region, date(2019, 12, 31)).is_local  # before the first recorded date


def test_correction_edits_in_place_and_keeps_the_dates(make_vendor):
    vendor = make_vendor()
    address = _save(vendor, since=date(2019, 3, 1))
    corrected = _save(vendor, line1="101 Las Olas Blvd", change="correction")
    assert corrected is address
    assert (address.line1, address.effective_from, address.effective_to) == ("101 Las Olas Blvd", date(2019, 3, 1), None)
    assert len(vendor.addresses) == 1
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(vendor.id))).all()
    assert "vendor.address_corrected" in actions


def test_saving_the_same_address_again_changes_nothing(make_vendor):
    vendor = make_vendor()
    address = _save(vendor)
    assert _save(vendor) is address and len(vendor.addresses) == 1


def test_a_different_address_needs_a_move_or_correction_choice(make_vendor):
    vendor = make_vendor()
    _save(vendor)
    with pytest.raises(DomainError) as caught:
        _save(vendor, MIAMI)
    assert "change" in caught.value.errors


@pytest.mark.parametrize(("since", "message"), [
    (None, "Enter the date you moved"),
    (date(2019, 3, 1), "The move date must be after 2019-03-01"),
    (date(2019, 2, 1), "The move date must be after 2019-03-01"),
    (date(2026, 6, 16), "The date cannot be in the future."),
])
def test_move_date_must_be_after_the_current_start_and_not_in_the_future(make_vendor, since, message):
    vendor = make_vendor()
    _save(vendor, since=date(2019, 3, 1))
    with pytest.raises(DomainError) as caught:
        _save(vendor, MIAMI, change="move", since=since)
    assert caught.value.errors["since"][0].startswith(message)
    assert len(vendor.addresses) == 1 and vendor.addresses[0].effective_to is None


def test_a_move_to_the_same_place_is_refused_in_favour_of_a_correction(make_vendor):
    vendor = make_vendor()
    _save(vendor)
    with pytest.raises(DomainError) as caught:
        _save(vendor, change="move", since=date(2026, 1, 1), line1="100 LAS OLAS BLVD")
    assert "Correct a mistake" in caught.value.errors["change"][0]


def test_a_move_on_today_is_allowed(make_vendor, region):
    vendor = make_vendor()
    _save(vendor)
    _save(vendor, MIAMI, change="move", since=TODAY)
    assert principal_address_on(vendor, TODAY).zip == "33130"
    assert principal_address_on(vendor, date(2026, 6, 14)).zip == "33301"


def test_closing_an_office_keeps_it_with_its_last_day(make_vendor):
    vendor = make_vendor()
    office = addresses.add_office(vendor, **MIAMI, since=date(2024, 1, 1), today=TODAY)
    addresses.close_office(vendor, office.id, last_day=date(2026, 5, 31), today=TODAY)
    assert office.effective_to == date(2026, 5, 31)
    assert addresses.offices(vendor, on=TODAY) == []
    assert addresses.offices(vendor, on=TODAY, include_closed=True) == [office]
    with pytest.raises(DomainError):
        addresses.close_office(vendor, office.id, last_day=TODAY, today=TODAY)


def test_an_office_cannot_close_before_it_opened(make_vendor):
    vendor = make_vendor()
    office = addresses.add_office(vendor, **MIAMI, since=date(2024, 1, 1), today=TODAY)
    with pytest.raises(DomainError) as caught:
        addresses.close_office(vendor, office.id, last_day=date(2023, 12, 31), today=TODAY)
    assert "last_day" in caught.value.errors
