"""The business profile: sections, address moves and corrections, status, and who may see a vendor page."""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.institutions.models import LocalRule, LocalRuleCounty
from marketplace.vendors.models import Certification, Vendor, VendorAddress
from tests.vendors.conftest import IDENTITY, MIAMI_ADDRESS, NAICS

# 02:00 UTC on June 15 is still June 14 in Miami.
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def _registered(user, complete_profile, **fields) -> Vendor:
    vendor = db.session.get(Vendor, user.vendor_id)
    complete_profile(vendor, legal_name="Rivera Plumbing LLC", registration_completed_at=NOW, **fields)
    vendor.addresses[0].effective_from = date(2019, 3, 1)
    db.session.commit()  # as if saved by earlier requests: a refused request must not undo it
    return vendor


def _move(**overrides) -> dict:
    return {**MIAMI_ADDRESS, "which": "principal", "change": "move", "since": "2026-06-01", **overrides}


def test_profile_shows_local_status_per_institution_and_small_status(
        client, vendor_user, complete_profile, region, make_institution, frozen_clock):
    frozen_clock(NOW)
    make_institution(name="Jackson Health")
    make_institution(name="Miami College", local_rule=LocalRule(
        name="Miami-Dade only", counties=[LocalRuleCounty(state="FL", county="Miami-Dade County")]))
    _registered(vendor_user, complete_profile)
    page = client.get("/vendor/profile").get_data(as_text=True)
    assert "Local for Jackson Health: principal place of business in Broward County, FL since 2019-03-01" in page
    assert "Not local for Miami College: principal place of business in Broward County, FL since 2019-03-01, " \
           "outside Miami-Dade only" in page
    assert "Self-attested small (from employees and revenue; not verified)" in page
    assert "on 2026-06-14" in page


def test_profile_sections_save_and_return_to_the_profile(client, vendor_user, complete_profile, frozen_clock):
    frozen_clock(NOW)
    vendor = _registered(vendor_user, complete_profile)
    response = client.post("/vendor/profile/identity", data={**IDENTITY, "dba": "Rivera Pipes & Drains"})
    assert response.headers["Location"] == "/vendor/profile#identity"
    response = client.post("/vendor/profile/naics", data=NAICS)
    assert response.headers["Location"] == "/vendor/profile#naics"
    response = client.post("/vendor/profile/size", data={"employees": "700", "revenue_band": "1m_5m"})
    assert response.headers["Location"] == "/vendor/profile#size"
    db.session.expire_all()
    assert (vendor.dba, vendor.employees) == ("Rivera Pipes & Drains", 700)
    page = client.get("/vendor/profile").get_data(as_text=True)
    assert "Rivera Pipes &amp; Drains" in page and "Not small" in page


def test_profile_section_with_bad_input_shows_messages_and_keeps_input(client, vendor_user, complete_profile,
                                                                        frozen_clock):
    frozen_clock(NOW)
    _registered(vendor_user, complete_profile)
    response = client.post("/vendor/profile/naics", data={**NAICS, "naics_codes": "12345"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“12345” is not a NAICS code" in page and "We fix pipes" in page


def test_address_page_offers_move_or_correction_and_defaults_the_date_to_today_in_new_york(
        client, vendor_user, complete_profile, frozen_clock):
    frozen_clock(NOW)
    _registered(vendor_user, complete_profile)
    page = client.get("/vendor/profile/address").get_data(as_text=True)
    assert "We moved: this is a new place of business" in page
    assert "Correct a mistake: same place" in page
    assert 'value="2026-06-14"' in page


def test_moving_keeps_the_old_address_in_the_history_and_changes_local_status(
        client, vendor_user, complete_profile, region, make_institution, frozen_clock):
    frozen_clock(NOW)
    make_institution(name="Jackson Health")
    vendor = _registered(vendor_user, complete_profile)
    response = client.post("/vendor/profile/address", data=_move())
    assert response.headers["Location"] == "/vendor/profile#address"
    db.session.expire_all()
    rows = sorted((a.zip, a.effective_from, a.effective_to) for a in vendor.addresses)
    assert rows == [("33130", date(2026, 6, 1), None), ("33301", date(2019, 3, 1), date(2026, 5, 31))]
    page = client.get("/vendor/profile").get_data(as_text=True)
    assert "Address history" in page and "From 2019-03-01 to 2026-05-31" in page
    assert "Not local for Jackson Health: principal place of business in Miami-Dade County, FL since 2026-06-01" in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "vendor.address_moved"))


def test_correcting_a_typo_edits_in_place(client, vendor_user, complete_profile, frozen_clock):
    frozen_clock(NOW)
    vendor = _registered(vendor_user, complete_profile)
    data = {"line1": "1 Main Street", "line2": "", "city": "Fort Lauderdale", "state": "FL", "zip": "33301",
            "which": "principal", "change": "correction", "since": "2026-06-14"}
    assert client.post("/vendor/profile/address", data=data).status_code == 302
    db.session.expire_all()
    [address] = vendor.addresses
    assert (address.line1, address.city, address.effective_from) == ("1 Main Street", "Fort Lauderdale",
                                                                     date(2019, 3, 1))


def test_a_new_address_without_saying_what_changed_is_asked_again(client, vendor_user, complete_profile,
                                                                  frozen_clock):
    frozen_clock(NOW)
    _registered(vendor_user, complete_profile)
    response = client.post("/vendor/profile/address", data=_move(change=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose whether you moved to a new place or are correcting a mistake." in page
    assert 'value="200 SW 8th Street"' in page


def test_a_move_dated_in_the_future_is_refused(client, vendor_user, complete_profile, frozen_clock):
    frozen_clock(NOW)
    _registered(vendor_user, complete_profile)
    response = client.post("/vendor/profile/address", data=_move(since="2026-06-15"))
    assert response.status_code == 422 and "The date cannot be in the future." in response.get_data(as_text=True)
    response = client.post("/vendor/profile/address", data=_move(since="last week"))
    assert response.status_code == 422 and "Enter a date like 2025-03-01." in response.get_data(as_text=True)


def test_an_office_is_added_and_closed_from_the_address_page(client, vendor_user, complete_profile, frozen_clock):
    frozen_clock(NOW)
    vendor = _registered(vendor_user, complete_profile)
    office = {"which": "office", **{f"office-{k}": v for k, v in MIAMI_ADDRESS.items()}}
    assert client.post("/vendor/profile/address", data=office).status_code == 302
    db.session.expire_all()
    added = next(a for a in vendor.addresses if a.kind == "office")
    response = client.post(f"/vendor/profile/offices/{added.id}/close",
                           data={f"close-{added.id}-last_day": "2026-07-01"})
    assert response.status_code == 422 and "The date cannot be in the future." in response.get_data(as_text=True)
    response = client.post(f"/vendor/profile/offices/{added.id}/close",
                           data={f"close-{added.id}-last_day": "2026-06-14"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(VendorAddress, added.id).effective_to == date(2026, 6, 14)


def test_closing_another_vendors_office_is_not_found(client, vendor_user, make_vendor, add_address):
    other = make_vendor()
    office = add_address(other, kind="office")
    db.session.commit()  # the refused request rolls back its session; keep this test's rows
    response = client.post(f"/vendor/profile/offices/{office.id}/close",
                           data={f"close-{office.id}-last_day": "2026-06-14"})
    assert response.status_code == 404
    assert db.session.get(VendorAddress, office.id).effective_to is None


def test_a_vendor_sees_its_own_vendor_page_but_not_another(client, vendor_user, make_vendor, complete_profile):
    vendor = _registered(vendor_user, complete_profile)
    other = make_vendor(contact_email="secret@other.example")
    assert client.get(f"/vendors/{vendor.id}").status_code == 200
    response = client.get(f"/vendors/{other.id}")
    assert response.status_code == 404 and "secret@other.example" not in response.get_data(as_text=True)
    assert client.get("/vendors/999999").status_code == 404


def test_officer_sees_the_vendor_page_with_local_status_for_their_institution_only(
        client, make_user, login, make_vendor, complete_profile, region, make_institution, frozen_clock):
    frozen_clock(NOW)
    jackson = make_institution(name="Jackson Health")
    make_institution(name="Broward College")
    vendor = complete_profile(make_vendor(legal_name="Rivera Plumbing LLC"))
    db.session.add(Certification(vendor_id=vendor.id, type="SBE", agency="Broward OESBD", number="V-1",
                                 effective_on=date(2025, 1, 1), expires_on=date(2027, 1, 1), status="verified",
                                 created_at=NOW))
    db.session.add(Certification(vendor_id=vendor.id, type="MBE", agency="Claimed Agency", number="C-9",
                                 effective_on=date(2025, 1, 1), expires_on=date(2027, 1, 1),
                                 status="self_attested", created_at=NOW))
    db.session.flush()
    login(make_user("officer", institution_id=jackson.id))
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Rivera Plumbing LLC" in page
    assert "Local for Jackson Health: principal place of business in Broward County, FL" in page
    assert "Broward College" not in page
    assert "238220 Plumbing, Heating, and Air-Conditioning Contractors" in page
    assert "Broward OESBD" in page and "Claimed Agency" not in page
    assert "Small business: verified SBE certificate no. V-1" in page


def test_backbone_sees_the_vendor_page_with_every_institution(client, make_user, login, make_vendor,
                                                              complete_profile, region, make_institution):
    make_institution(name="Jackson Health")
    make_institution(name="Broward College")
    vendor = complete_profile(make_vendor())
    login(make_user("backbone"))
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Local for Jackson Health" in page and "Local for Broward College" in page


def test_profile_pages_are_for_vendors_and_need_login(client, make_user, login, make_vendor):
    assert "/login" in client.get("/vendor/profile").headers["Location"]
    assert "/login" in client.get(f"/vendors/{make_vendor().id}").headers["Location"]
    login(make_user("officer"))
    assert client.get("/vendor/profile").status_code == 403
    assert client.get("/vendor/profile/address").status_code == 403
