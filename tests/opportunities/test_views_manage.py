"""Officers' pages: drafts in the institution's zone, publishing, addenda, answers, opening, no award."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.bids import services as bids
from marketplace.opportunities import services
from marketplace.opportunities.models import Addendum, BidOpening, Opportunity, OpportunityDocument
from tests.opportunities.view_helpers import T0, at, audit_actions, client_for, count, upload  # noqa: F401


def _form(**overrides) -> dict:
    data = {"title": "Window cleaning", "description": "Twice a year.", "type": "RFQ", "set_aside": "none",
            "naics_codes": "561720", "closes_date": "2026-03-20", "closes_time": "14:00",
            "contact_name": "Pat Buyer", "contact_email": "pat@example.org"}
    data.update(overrides)
    return data


@pytest.fixture
def officer_client(client_for, officer, at):
    return client_for(officer)


def test_new_draft_converts_the_local_closing_time_and_says_which_zone(officer_client, officer):
    page = officer_client.get("/manage/opportunities/new").get_data(as_text=True)
    assert "America/New_York" in page and 'type="date"' in page and 'type="time"' in page
    response = officer_client.post("/manage/opportunities/new", data=_form(
        questions_date="2026-03-13", questions_time="12:00", documents=[upload("scope.pdf")]),
        content_type="multipart/form-data")
    assert response.status_code == 302
    opportunity = db.session.scalar(sa.select(Opportunity).where(Opportunity.title == "Window cleaning"))
    # March 20, 2026 is after the switch to daylight time: 2 PM EDT is 18:00 UTC.
    assert opportunity.closes_at == datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
    assert opportunity.questions_deadline == datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    assert opportunity.published_at is None and [n.code for n in opportunity.naics_codes] == ["561720"]
    assert [d.document.filename for d in opportunity.documents] == ["scope.pdf"]
    detail = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mar 20, 2026 2:00 PM EDT" in detail and "scope.pdf" in detail


@pytest.mark.parametrize("overrides, field_message", [
    ({"closes_date": "2026-03-01"}, "The closing time must be in the future."),
    ({"questions_date": "2026-03-21", "questions_time": "09:00"}, "The questions deadline must be before the closing time."),
    ({"closes_date": "2026-03-08", "closes_time": "02:30"}, "does not exist"),
    ({"closes_time": ""}, "Enter the closing time."),
    ({"questions_date": "2026-03-10"}, "Enter both a date and a time."),
    ({"naics_codes": "999999"}, "not a NAICS 2022 code"),
    ({"estimated_value_min": "500", "estimated_value_max": "100"}, "The maximum must not be below the minimum."),
    ({"estimated_value_min": "-5"}, "Number must be between"),
])
def test_bad_draft_input_is_refused_with_field_messages_and_nothing_saved(officer_client, overrides, field_message):
    before = count(Opportunity)
    response = officer_client.post("/manage/opportunities/new", data=_form(**overrides))
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert count(Opportunity) == before


def test_refused_upload_saves_neither_the_draft_nor_the_file(officer_client, app):
    before = count(Opportunity)
    response = officer_client.post("/manage/opportunities/new", data=_form(documents=[upload("x.pdf", b"MZ\x90\x00")]),
                                   content_type="multipart/form-data")
    assert response.status_code == 422 and "program, not a document" in response.get_data(as_text=True)
    assert count(Opportunity) == before


def test_edit_preview_and_publish_a_draft(officer_client, make_opportunity):
    draft = make_opportunity(publish=False, title="Old title")
    form = officer_client.get(f"/manage/opportunities/{draft.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in form
    response = officer_client.post(f"/manage/opportunities/{draft.id}/edit", data=_form(title="New title"))
    assert response.status_code == 302
    preview = officer_client.get(f"/manage/opportunities/{draft.id}/preview").get_data(as_text=True)
    assert "Preview" in preview and "New title" in preview
    assert officer_client.post(f"/manage/opportunities/{draft.id}/publish").status_code == 302
    opportunity = db.session.get(Opportunity, draft.id)
    assert opportunity.published_at == T0
    assert officer_client.get(f"/manage/opportunities/{draft.id}/edit").status_code == 409
    assert officer_client.post(f"/manage/opportunities/{draft.id}/publish").status_code == 409


def test_other_institutions_opportunities_are_not_found(client_for, make_opportunity, make_user, at):
    opportunity = make_opportunity(publish=False)
    stranger = client_for(make_user("officer"))
    for path in ("", "/edit", "/preview", "/cancel", "/no-award", "/addendum"):
        assert stranger.get(f"/manage/opportunities/{opportunity.id}{path}").status_code == 404
    for path in ("/publish", "/open"):
        assert stranger.post(f"/manage/opportunities/{opportunity.id}{path}").status_code == 404
    assert db.session.get(Opportunity, opportunity.id).published_at is None
    assert "Window" not in stranger.get("/manage/opportunities").get_data(as_text=True)


def test_cancel_needs_a_reason(officer_client, make_opportunity):
    opportunity = make_opportunity()
    db.session.commit()  # a refused request rolls back to here
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/cancel", data={"reason": ""})
    assert response.status_code == 422 and db.session.get(Opportunity, opportunity.id).cancelled_at is None
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/cancel", data={"reason": "Budget cut"})
    assert response.status_code == 302
    assert db.session.get(Opportunity, opportunity.id).cancel_reason == "Budget cut"


def test_addendum_inside_the_window_shows_and_enforces_the_earliest_closing(officer_client, make_opportunity, at):
    opportunity = make_opportunity(closes_at=T0 + timedelta(hours=48))
    page = officer_client.get(f"/manage/opportunities/{opportunity.id}/addendum").get_data(as_text=True)
    # 72 hours from T0 (10 AM EST on March 2) is 10 AM EST on March 5.
    assert "at least <strong>Mar 5, 2026 10:00 AM EST</strong>" in page
    local = {"closes_date": "2026-03-04", "closes_time": "10:00", "title": opportunity.title,
             "type": "RFP", "set_aside": "none", "note": "Scope clarified."}
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/addendum", data=local)
    assert response.status_code == 422 and "Extend the closing time" in response.get_data(as_text=True)
    assert count(Addendum) == 0
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/addendum",
                                   data={**local, "note": ""})
    assert response.status_code == 422 and count(Addendum) == 0
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/addendum",
                                   data={**local, "closes_date": "2026-03-06", "documents": [upload("map.pdf")]},
                                   content_type="multipart/form-data")
    assert response.status_code == 302
    addendum = db.session.scalar(sa.select(Addendum))
    assert addendum.note == "Scope clarified." and addendum.new_closes_at == datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    assert addendum.changes["documents"] == [[], ["map.pdf"]]
    attachment = db.session.scalar(sa.select(OpportunityDocument))
    assert attachment.addendum_id == addendum.id


def test_documents_after_publishing_only_through_an_addendum(officer_client, make_opportunity):
    opportunity = make_opportunity()
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/documents",
                                   data={"documents": [upload()]}, content_type="multipart/form-data")
    assert response.status_code == 409 and count(OpportunityDocument) == 0
    draft = make_opportunity(publish=False)
    response = officer_client.post(f"/manage/opportunities/{draft.id}/documents",
                                   data={"documents": [upload()]}, content_type="multipart/form-data")
    assert response.status_code == 302 and count(OpportunityDocument) == 1
    attachment = db.session.scalar(sa.select(OpportunityDocument))
    response = officer_client.post(f"/manage/opportunities/{draft.id}/documents/{attachment.id}/remove")
    assert response.status_code == 302 and count(OpportunityDocument) == 0


def test_officer_answers_a_question_and_never_sees_who_asked(officer_client, make_opportunity, make_user):
    opportunity = make_opportunity()
    asker = make_user("vendor", name="Vera Vendor")
    question = services.ask_question(opportunity, "Can we visit the site?", user=asker, now=T0)
    page = officer_client.get(f"/manage/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Can we visit the site?" in page and "Vera" not in page and asker.email not in page
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/questions/{question.id}/answer",
                                   data={f"q{question.id}-answer": ""})
    assert response.status_code == 422
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/questions/{question.id}/answer",
                                   data={f"q{question.id}-answer": "Yes, on March 5."})
    assert response.status_code == 302
    assert db.session.get(type(question), question.id).answer == "Yes, on March 5."


def test_officer_pages_reveal_nothing_about_bids_before_opening(officer_client, make_opportunity, make_user, at):
    with_bids = make_opportunity(title="With bids")
    without = make_opportunity(title="Without bids")
    bidders = [make_user("vendor") for _ in range(3)]
    for bidder in bidders:
        bids.submit_bid(with_bids, user=bidder, amount="100.00", narrative="", documents=[], now=T0)
    names = [bidder.vendor.legal_name for bidder in bidders]
    pages = {}
    for opportunity in (with_bids, without):
        page = officer_client.get(f"/manage/opportunities/{opportunity.id}").get_data(as_text=True)
        pages[opportunity.id] = page.replace("With bids", "X").replace("Without bids", "X").replace(
            opportunity.reference, "REF").replace(f"/{opportunity.id}/", "/ID/").replace(f"/{opportunity.id}\"", "/ID\"")
        assert not any(name in page for name in names) and "100.00" not in page
    assert pages[with_bids.id] == pages[without.id]
    at(with_bids.closes_at)
    closed = officer_client.get(f"/manage/opportunities/{with_bids.id}").get_data(as_text=True)
    assert "Open the bids" in closed and " 3 " not in closed and not any(name in closed for name in names)
    assert officer_client.get(f"/opportunities/{with_bids.id}/tabulation").status_code == 409


def test_opening_before_closing_is_refused_and_records_nothing(officer_client, make_opportunity):
    opportunity = make_opportunity()
    db.session.commit()
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/open")
    assert response.status_code == 409 and "open the bids of an opportunity that is open" in response.get_data(as_text=True)
    assert count(BidOpening) == 0 and db.session.get(Opportunity, opportunity.id).opened_at is None


def test_opening_after_closing_leads_to_the_tabulation(officer_client, make_opportunity, at):
    opportunity = make_opportunity()
    at(opportunity.closes_at)
    response = officer_client.post(f"/manage/opportunities/{opportunity.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/opportunities/{opportunity.id}/tabulation")
    assert db.session.get(Opportunity, opportunity.id).opened_at == opportunity.closes_at
    assert "bids.opened" in audit_actions()


def test_two_officer_opening_waits_for_a_second_officer(client_for, officer, make_user, make_opportunity, at):
    officer.institution.requires_two_openers = True
    colleague = make_user("officer", institution_id=officer.institution_id, name="Second Officer")
    opportunity = make_opportunity()
    db.session.commit()
    at(opportunity.closes_at + timedelta(minutes=5))
    first = client_for(officer)
    first.post(f"/manage/opportunities/{opportunity.id}/open")
    page = first.get(f"/manage/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Waiting for a second officer" in page and db.session.get(Opportunity, opportunity.id).opened_at is None
    assert first.get(f"/opportunities/{opportunity.id}/tabulation").status_code == 409
    second = client_for(colleague)
    assert second.post(f"/manage/opportunities/{opportunity.id}/open").status_code == 302
    assert db.session.get(Opportunity, opportunity.id).opened_at is not None
    assert second.get(f"/opportunities/{opportunity.id}/tabulation").status_code == 200


def test_no_award_after_closing_with_a_reason(officer_client, make_opportunity, at):
    opportunity = make_opportunity()
    db.session.commit()
    assert officer_client.post(f"/manage/opportunities/{opportunity.id}/no-award",
                               data={"reason": "Over budget"}).status_code == 409
    at(opportunity.closes_at)
    assert officer_client.post(f"/manage/opportunities/{opportunity.id}/no-award",
                               data={"reason": "Over budget"}).status_code == 302
    assert db.session.get(Opportunity, opportunity.id).no_award_reason == "Over budget"


def test_manage_list_shows_derived_status(officer_client, make_opportunity, at):
    make_opportunity(title="A draft", publish=False)
    make_opportunity(title="Closing now", closes_at=T0 + timedelta(minutes=1))
    at(T0 + timedelta(minutes=2))
    page = officer_client.get("/manage/opportunities").get_data(as_text=True)
    assert "A draft" in page and "Closing now" in page and ">Draft<" in page and ">Closed<" in page
    only_drafts = officer_client.get("/manage/opportunities?status=draft").get_data(as_text=True)
    assert "A draft" in only_drafts and "Closing now" not in only_drafts
