"""The guided registration: each step saves when sent, bad input comes back with messages, resumable."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.vendors.models import Vendor
from tests.conftest import PASSWORD
from tests.vendors.conftest import BROWARD_ADDRESS, IDENTITY, MIAMI_ADDRESS, NAICS, SIZE


def _vendor(user) -> Vendor:
    db.session.expire_all()
    return db.session.get(Vendor, user.vendor_id)


def _principal(**overrides) -> dict:
    return {**BROWARD_ADDRESS, "which": "principal", **overrides}


def _office(**overrides) -> dict:
    return {"which": "office", **{f"office-{k}": v for k, v in {**MIAMI_ADDRESS, **overrides}.items()}}


def test_a_new_registration_lands_on_the_first_step_from_the_dashboard(client):
    response = client.post("/register", data={"legal_name": "Rivera Plumbing LLC", "name": "Ana Rivera",
                                              "email": "ana@rivera.example", "password": PASSWORD,
                                              "confirm": PASSWORD})
    assert response.status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/vendor/profile"' in dashboard and "Complete your profile" in dashboard
    assert client.get("/vendor/profile").headers["Location"] == "/vendor/register"
    assert client.get("/vendor/register").headers["Location"] == "/vendor/register/identity"
    page = client.get("/vendor/register/identity").get_data(as_text=True)
    assert "usa-step-indicator" in page and 'value="Rivera Plumbing LLC"' in page
    assert 'value="ana@rivera.example"' in page  # the contact is prefilled from the account


def test_step_1_saves_identity_and_goes_to_step_2(client, vendor_user):
    response = client.post("/vendor/register/identity", data=IDENTITY)
    assert response.status_code == 302 and response.headers["Location"] == "/vendor/register/address"
    vendor = _vendor(vendor_user)
    assert (vendor.legal_name, vendor.dba, vendor.ein) == ("Rivera Plumbing LLC", "Rivera Pipes", "12-3456789")
    assert (vendor.website, vendor.year_established) == ("https://riverapipes.example.com", 2015)


def test_step_1_duplicate_ein_is_a_field_message_and_keeps_every_answer(client, vendor_user, make_vendor):
    make_vendor(ein="12-3456789")
    db.session.commit()
    response = client.post("/vendor/register/identity", data={**IDENTITY, "ein": "123456789"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This EIN is already registered. If this is your business, ask a colleague to invite you." in page
    for value in ("Rivera Plumbing LLC", "Rivera Pipes", "123456789", "riverapipes.example.com", "Ana Rivera",
                  "305-555-0123", "2015"):
        assert f'value="{value}"' in page
    assert _vendor(vendor_user).ein is None


def test_step_1_missing_and_malformed_answers_are_all_shown(client, vendor_user):
    response = client.post("/vendor/register/identity", data={
        **IDENTITY, "contact_phone": "", "ein": "12-34", "year_established": "twenty"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a phone number with area code" in page
    assert "Enter a year with 4 digits" in page
    response = client.post("/vendor/register/identity", data={**IDENTITY, "ein": "12-34"})
    assert "Enter the EIN as 9 digits, like 12-3456789." in response.get_data(as_text=True)


def test_save_and_finish_later_saves_and_returns_to_the_dashboard(client, vendor_user):
    response = client.post("/vendor/register/identity", data={**IDENTITY, "later": "1"}, follow_redirects=True)
    assert response.request.path == "/dashboard"
    assert "Come back any time" in response.get_data(as_text=True)
    assert _vendor(vendor_user).contact_phone == "305-555-0123"


def test_step_2_refuses_a_po_box_and_keeps_the_answers(client, vendor_user):
    response = client.post("/vendor/register/address", data=_principal(line1="P.O. Box 4411"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "not a P.O. box" in page
    assert 'value="P.O. Box 4411"' in page and 'value="Fort Lauderdale"' in page and 'value="33301"' in page
    assert _vendor(vendor_user).addresses == []


def test_step_2_refuses_a_zip_outside_the_us(client, vendor_user):
    response = client.post("/vendor/register/address", data=_principal(zip="M5V 2T6"))
    assert response.status_code == 422
    assert "Enter a 5-digit US ZIP code" in response.get_data(as_text=True)


def test_step_2_saves_the_address_with_its_county(client, vendor_user):
    response = client.post("/vendor/register/address", data=_principal())
    assert response.headers["Location"] == "/vendor/register/naics"
    [address] = _vendor(vendor_user).addresses
    assert (address.kind, address.county, address.effective_from) == ("principal", "Broward County", None)
    page = client.get("/vendor/register/address").get_data(as_text=True)
    assert "County: Broward County" in page and "We moved" in page


def test_step_2_adds_an_other_office_and_a_bad_one_keeps_the_main_address_form(client, vendor_user):
    client.post("/vendor/register/address", data=_principal())
    response = client.post("/vendor/register/address", data=_office())
    assert response.headers["Location"] == "/vendor/register/address#offices"
    assert "200 SW 8th Street" in client.get("/vendor/register/address").get_data(as_text=True)
    response = client.post("/vendor/register/address", data=_office(zip="99999", city="Nowhere"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "We cannot find ZIP code 99999" in page and 'value="Nowhere"' in page
    assert 'value="100 Las Olas Blvd"' in page  # the main address form still shows the saved address
    assert len(_vendor(vendor_user).addresses) == 2


def test_step_3_names_unknown_naics_codes_and_keeps_the_statement(client, vendor_user):
    response = client.post("/vendor/register/naics", data={**NAICS, "naics_codes": "238220, 999999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "999999 is not a NAICS 2022 code." in page
    assert "We fix pipes and water heaters" in page and 'value="238220, 999999"' in page


def test_step_3_saves_codes_with_one_primary(client, vendor_user):
    response = client.post("/vendor/register/naics", data={**NAICS, "primary_naics": "561720"})
    assert response.headers["Location"] == "/vendor/register/size"
    vendor = _vendor(vendor_user)
    assert {(n.code, n.is_primary) for n in vendor.naics_codes} == {("238220", False), ("561720", True)}
    page = client.get("/vendor/register/naics").get_data(as_text=True)
    assert "561720, 238220" in page


def test_step_4_refuses_a_number_that_is_not_a_number(client, vendor_user):
    response = client.post("/vendor/register/size", data={"employees": "twelve", "revenue_band": "1m_5m"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter a whole number, such as 12." in page
    assert page.count("Enter a whole number, such as 12.") == 2  # in the summary and at the field
    assert 'value="twelve"' in page and re.search(r'<input checked[^>]*value="1m_5m"', page)


def test_step_4_saves_size_and_goes_to_review(client, vendor_user):
    response = client.post("/vendor/register/size", data=SIZE)
    assert response.headers["Location"] == "/vendor/register/review"
    vendor = _vendor(vendor_user)
    assert (vendor.employees, vendor.revenue_band) == (12, "1m_5m")


def test_leaving_and_coming_back_resumes_at_the_first_incomplete_step(app, client, vendor_user):
    client.post("/vendor/register/identity", data=IDENTITY)
    client.post("/vendor/register/address", data=_principal())
    client.post("/logout")
    other = app.test_client()
    other.post("/login", data={"email": vendor_user.email, "password": PASSWORD})
    assert other.get("/vendor/profile").headers["Location"] == "/vendor/register"
    assert other.get("/vendor/register").headers["Location"] == "/vendor/register/naics"
    page = other.get("/vendor/register/naics").get_data(as_text=True)
    assert "2 of 5 steps done" in page


def test_review_lists_missing_steps_and_refuses_to_finish(client, vendor_user):
    client.post("/vendor/register/identity", data=IDENTITY)
    page = client.get("/vendor/register/review").get_data(as_text=True)
    assert "A few answers are missing" in page and "Where you work" in page
    response = client.post("/vendor/register/review", data={"confirm": "y"})
    assert response.status_code == 422
    assert "Please finish these steps first" in response.get_data(as_text=True)
    assert _vendor(vendor_user).registration_completed_at is None


def test_finishing_needs_the_confirmation_box(client, vendor_user):
    response = client.post("/vendor/register/review", data={})
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.get_data(as_text=True)


def test_completing_every_step_finishes_the_registration(client, vendor_user, frozen_clock):
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    frozen_clock(now)
    client.post("/vendor/register/identity", data=IDENTITY)
    client.post("/vendor/register/address", data=_principal())
    client.post("/vendor/register/naics", data=NAICS)
    client.post("/vendor/register/size", data=SIZE)
    page = client.get("/vendor/register/review").get_data(as_text=True)
    assert "4 of 5 steps done" in page and "238220 Plumbing, Heating, and Air-Conditioning Contractors" in page
    response = client.post("/vendor/register/review", data={"confirm": "y"})
    assert response.headers["Location"] == "/vendor/profile"
    assert _vendor(vendor_user).registration_completed_at == now
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "vendor.registration_completed"))
    assert event.actor_user_id == vendor_user.id and event.object_id == str(vendor_user.vendor_id)
    assert client.get("/vendor/register").headers["Location"] == "/vendor/profile"
    assert client.get("/vendor/profile").status_code == 200


def test_registration_steps_are_for_vendors_only(client, make_user, login):
    login(make_user("officer"))
    assert client.get("/vendor/register/identity").status_code == 403
