"""Bid pages: submit and revise with documents, receipts, withdrawal, "My bids", sealed access."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidDocument, BidVersion
from marketplace.documents.models import Document
from marketplace.mail.models import OutboxMessage
from marketplace.opportunities import services as opportunities
from tests.opportunities.view_helpers import PDF, PNG, T0, at, audit_actions, client_for, count, upload  # noqa: F401

ONE_US = timedelta(microseconds=1)


@pytest.fixture
def vendor(make_user):
    return make_user("vendor")


@pytest.fixture
def vendor_client(client_for, vendor, at):
    return client_for(vendor)


def _post_bid(client, opportunity, **data):
    data.setdefault("amount", "48250.00")
    data.setdefault("narrative", "Crew of four.")
    data.setdefault("documents", [upload("price.pdf")])
    return client.post(f"/opportunities/{opportunity.id}/bid", data=data, content_type="multipart/form-data")


def _nothing_stored() -> tuple[int, int, int]:
    return count(Bid), count(BidVersion), count(Document)


def test_submitting_a_bid_shows_and_emails_the_receipt(vendor_client, vendor, make_opportunity):
    opportunity = make_opportunity()
    response = _post_bid(vendor_client, opportunity, documents=[upload("price.pdf"), upload("photo.png", PNG)])
    assert response.status_code == 302
    bid = db.session.scalar(sa.select(Bid))
    assert response.headers["Location"].endswith(f"/bids/{bid.id}/receipt?version=1")
    page = vendor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bid submitted" in page and T0.isoformat() in page and ">1<" in page
    assert hashlib.sha256(PDF).hexdigest() in page and hashlib.sha256(PNG).hexdigest() in page
    email = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == vendor.email))
    assert hashlib.sha256(PDF).hexdigest() in email.body_text and "48250" not in email.body_text
    assert bid.versions[0].amount == 48250 and bid.versions[0].received_at == T0


def test_forged_vendor_and_receipt_time_fields_have_no_effect(vendor_client, vendor, make_opportunity, make_user):
    other = make_user("vendor")
    opportunity = make_opportunity()
    response = _post_bid(vendor_client, opportunity, vendor_id=str(other.vendor_id),
                         received_at=(T0 - timedelta(days=30)).isoformat(), submitted_by_id=str(other.id))
    assert response.status_code == 302
    bid = db.session.scalar(sa.select(Bid))
    assert bid.vendor_id == vendor.vendor_id and bid.submitted_by_id == vendor.id
    assert bid.first_received_at == T0 and bid.versions[0].received_at == T0


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "1e30", "12.345", "99999999999", ""])
def test_negative_or_absurd_amounts_are_refused_and_nothing_is_stored(vendor_client, make_opportunity, amount):
    opportunity = make_opportunity()
    db.session.commit()
    before = _nothing_stored()
    response = _post_bid(vendor_client, opportunity, amount=amount)
    assert response.status_code == 422
    assert 'id="amount-error"' in response.get_data(as_text=True)
    assert _nothing_stored() == before


def test_a_bid_needs_at_least_one_document(vendor_client, make_opportunity):
    opportunity = make_opportunity()
    db.session.commit()
    response = _post_bid(vendor_client, opportunity, documents=[])
    assert response.status_code == 422 and "Attach at least one document" in response.get_data(as_text=True)
    assert count(Bid) == 0


def test_a_program_disguised_as_a_pdf_is_refused(vendor_client, make_opportunity):
    opportunity = make_opportunity()
    db.session.commit()
    before = _nothing_stored()
    response = _post_bid(vendor_client, opportunity, documents=[upload("bid.pdf", b"\x7fELF\x02\x01")])
    assert response.status_code == 422 and _nothing_stored() == before


def test_bid_on_a_draft_is_not_found_and_on_a_cancelled_one_is_refused(vendor_client, make_opportunity, officer):
    draft = make_opportunity(publish=False)
    cancelled = make_opportunity()
    opportunities.cancel(cancelled, "No budget", actor=officer, now=T0)
    db.session.commit()
    before = _nothing_stored()
    assert _post_bid(vendor_client, draft).status_code == 404
    assert vendor_client.get(f"/opportunities/{draft.id}/bid").status_code == 404
    response = _post_bid(vendor_client, cancelled)
    assert response.status_code == 409 and "cancelled" in response.get_data(as_text=True)
    assert _nothing_stored() == before


def test_a_bid_one_microsecond_late_is_refused_and_one_microsecond_early_accepted(
        client_for, make_user, make_opportunity, at):
    opportunity = make_opportunity()
    db.session.commit()
    late, on_time = client_for(make_user("vendor")), client_for(make_user("vendor"))
    at(opportunity.closes_at)
    before = _nothing_stored()
    response = _post_bid(late, opportunity)
    assert response.status_code == 409
    assert "after it. Nothing was changed." in response.get_data(as_text=True)
    assert _nothing_stored() == before
    at(opportunity.closes_at + ONE_US)
    assert _post_bid(late, opportunity).status_code == 409 and _nothing_stored() == before
    at(opportunity.closes_at - ONE_US)
    assert _post_bid(on_time, opportunity).status_code == 302
    assert db.session.scalar(sa.select(BidVersion.received_at)) == opportunity.closes_at - ONE_US


def test_revision_keeps_chosen_documents_and_every_version(vendor_client, make_opportunity):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity, documents=[upload("a.pdf"), upload("b.pdf")])
    bid = db.session.scalar(sa.select(Bid))
    kept = next(d.document for d in bid.versions[0].documents if d.document.filename == "a.pdf")
    form = vendor_client.get(f"/opportunities/{opportunity.id}/bid").get_data(as_text=True)
    assert 'value="48250.00"' in form and "Revise your bid" in form and "b.pdf" in form
    response = _post_bid(vendor_client, opportunity, amount="47000", documents=[upload("c.pdf")],
                         keep_documents=[str(kept.id)])
    assert response.status_code == 302 and response.headers["Location"].endswith("version=2")
    versions = db.session.scalars(sa.select(BidVersion).order_by(BidVersion.version)).all()
    assert [v.action for v in versions] == ["submit", "revise"]
    assert sorted(d.document.filename for d in versions[1].documents) == ["a.pdf", "c.pdf"]


def test_withdrawal_needs_a_confirmation_post(vendor_client, make_opportunity):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity)
    bid = db.session.scalar(sa.select(Bid))
    page = vendor_client.get(f"/bids/{bid.id}/withdraw").get_data(as_text=True)
    assert "Withdraw your bid?" in page and db.session.get(Bid, bid.id).withdrawn_at is None
    response = vendor_client.post(f"/bids/{bid.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"].endswith("version=2")
    assert db.session.get(Bid, bid.id).withdrawn_at == T0
    assert vendor_client.get(f"/bids/{bid.id}/withdraw").status_code == 404


def test_withdrawal_after_closing_is_refused_and_changes_nothing(vendor_client, make_opportunity, at):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity)
    bid_id = db.session.scalar(sa.select(Bid.id))
    at(opportunity.closes_at)
    response = vendor_client.post(f"/bids/{bid_id}/withdraw")
    assert response.status_code == 409 and "Nothing was changed" in response.get_data(as_text=True)
    bid = db.session.get(Bid, bid_id)
    assert bid.withdrawn_at is None and bid.current_version == 1 and count(BidVersion) == 1


def test_another_vendors_bid_is_not_found_and_the_attempt_is_audited(client_for, vendor_client, make_user,
                                                                       make_opportunity):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity)
    bid_id = db.session.scalar(sa.select(Bid.id))
    snoop = client_for(make_user("vendor"))
    for path in (f"/bids/{bid_id}", f"/bids/{bid_id}/receipt?version=1", f"/bids/{bid_id}/withdraw"):
        assert snoop.get(path).status_code == 404
    assert snoop.post(f"/bids/{bid_id}/withdraw").status_code == 404
    assert db.session.get(Bid, bid_id).withdrawn_at is None
    assert audit_actions().count("bid.access_refused") == 4


def test_my_bids_lists_each_bid_with_its_versions(vendor_client, make_opportunity):
    first = make_opportunity(title="Snow removal")
    second = make_opportunity(title="Catering")
    _post_bid(vendor_client, first)
    _post_bid(vendor_client, first, amount="45000")
    _post_bid(vendor_client, second, amount="900")
    page = vendor_client.get("/bids/mine").get_data(as_text=True)
    assert "Snow removal" in page and "Catering" in page
    assert "$48,250.00" in page and "$45,000.00" in page and "$900.00" in page
    assert page.count("Versions of this bid") == 2


def test_a_bid_document_is_sealed_until_the_bids_are_opened(client_for, vendor_client, vendor, officer, make_user,
                                                            make_opportunity, at):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity)
    document_id = db.session.scalar(sa.select(BidDocument.document_id))
    own_officer = client_for(officer)
    other_officer = client_for(make_user("officer"))
    backbone = client_for(make_user("backbone"))
    other_vendor = client_for(make_user("vendor"))
    path = f"/documents/{document_id}"

    def status(client) -> int:
        response = client.get(path)
        response.close()
        return response.status_code

    assert status(own_officer) == 404  # an officer trying the id before opening
    assert status(backbone) == 404 and status(other_vendor) == 404 and status(other_officer) == 404
    assert status(vendor_client) == 200
    assert "document.access_refused" in audit_actions()
    at(opportunity.closes_at)
    assert status(own_officer) == 404  # closed is not opened
    opportunities.open_bids(db.session.get(type(opportunity), opportunity.id), actor=officer, now=opportunity.closes_at)
    db.session.commit()
    assert status(own_officer) == 200 and status(backbone) == 200
    assert status(other_officer) == 404 and status(other_vendor) == 404


def test_ineligible_vendor_is_refused_on_a_set_aside(vendor_client, make_opportunity):
    opportunity = make_opportunity(set_aside="small")
    db.session.commit()
    page = vendor_client.get(f"/opportunities/{opportunity.id}/bid").get_data(as_text=True)
    assert "small-business" in page
    response = _post_bid(vendor_client, opportunity)
    assert response.status_code == 409 and "verified certification" in response.get_data(as_text=True)
    assert count(Bid) == 0


def test_bids_service_receipt_matches_the_page(vendor_client, vendor, make_opportunity):
    opportunity = make_opportunity()
    _post_bid(vendor_client, opportunity)
    bid = db.session.scalar(sa.select(Bid))
    receipt = bids.receipt_for(bid, 1)
    assert receipt.documents == (("price.pdf", hashlib.sha256(PDF).hexdigest()),)
