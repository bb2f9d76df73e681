"""Public opportunity pages: list with filters and pagination, detail, Q&A, documents, the .ics file."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from werkzeug.datastructures import FileStorage

from marketplace import db
from marketplace.documents.services import store_upload
from marketplace.opportunities import documents as opportunity_documents
from marketplace.opportunities import services
from marketplace.opportunities.services import OpportunityInput
from tests.opportunities.view_helpers import PDF, T0, at, client_for, upload  # noqa: F401


def _attach_pdf(draft, officer, name="spec.pdf"):
    document = store_upload(FileStorage(stream=upload(name)[0], filename=name), uploaded_by=officer,
                            institution_id=draft.institution_id)
    opportunity_documents.attach_to_draft(draft, [document], actor=officer, now=T0)
    return document


def test_list_shows_open_opportunities_with_zone_naics_titles_and_countdown(client, at, make_opportunity):
    make_opportunity(title="Snow removal", naics_codes=["561730"], set_aside="small",
                     closes_at=datetime(2026, 3, 16, 21, 0, tzinfo=UTC))
    make_opportunity(title="Secret draft", publish=False)
    html = client.get("/opportunities").get_data(as_text=True)
    assert "Snow removal" in html and "Secret draft" not in html
    assert "561730 · Landscaping Services" in html
    assert "Mar 16, 2026 5:00 PM EDT" in html  # the institution's zone, after the DST switch
    assert 'data-closes-at="2026-03-16T21:00:00+00:00"' in html
    assert "js/countdown.js" in html and "<script>" not in html
    assert "Small businesses (SBE)" in html


def test_list_filters_by_status_institution_and_set_aside(client, at, make_opportunity, make_user):
    soon = make_opportunity(title="Closing soon", closes_at=T0 + timedelta(minutes=1))
    make_opportunity(title="Local only", set_aside="local")
    other_officer = make_user("officer")
    make_opportunity(title="Elsewhere", actor=other_officer)
    at(T0 + timedelta(hours=1))
    html = client.get("/opportunities").get_data(as_text=True)
    assert "Local only" in html and "Elsewhere" in html and "Closing soon" not in html
    html = client.get("/opportunities?status=closed").get_data(as_text=True)
    assert "Closing soon" in html and "Local only" not in html
    html = client.get(f"/opportunities?institution={other_officer.institution_id}").get_data(as_text=True)
    assert "Elsewhere" in html and "Local only" not in html
    html = client.get("/opportunities?set_aside=local").get_data(as_text=True)
    assert "Local only" in html and "Elsewhere" not in html
    assert soon.id  # closed ones stay reachable through the filter
    assert client.get("/opportunities?status=bogus&set_aside=x&institution=abc").status_code == 200


def test_list_pages_by_twenty_with_a_fixed_number_of_queries(app, client, at, make_opportunity):
    for n in range(25):
        make_opportunity(title=f"Posting {n:02d}", naics_codes=["561720"],
                         closes_at=T0 + timedelta(days=1, minutes=n))
    statements: list[str] = []
    engine = db.session.get_bind().engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/opportunities").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert first.count("Posting ") == 20 and "Posting 00" in first and "Posting 20" not in first
    assert "page 1 of 2" in first
    opportunity_selects = [s for s in statements if "FROM opportunities" in s or "FROM institutions" in s
                           or "FROM opportunity_naics" in s]
    assert len(opportunity_selects) <= 6  # institutions filter, count, page, institutions, naics
    assert any("LIMIT" in s for s in statements)
    second = client.get("/opportunities?page=2").get_data(as_text=True)
    assert second.count("Posting ") == 5 and "Posting 24" in second


def test_draft_is_not_found_for_the_public(client, at, make_opportunity):
    draft = make_opportunity(publish=False)
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    assert client.get(f"/opportunities/{draft.id}/closing.ics").status_code == 404


def test_detail_shows_answered_questions_without_the_asker(client, at, make_opportunity, make_user, officer):
    opportunity = make_opportunity(description="Clean three buildings.")
    asker = make_user("vendor", name="Quentin Asker")
    asker.vendor.legal_name = "Asker Cleaning LLC"
    answered = services.ask_question(opportunity, "Is weekend work required?", user=asker, now=T0)
    services.ask_question(opportunity, "Unanswered so far?", user=asker, now=T0)
    services.answer_question(answered, "No, weekdays only.", actor=officer, now=T0)
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Is weekend work required?" in html and "No, weekdays only." in html
    assert "Unanswered so far?" not in html
    assert "Asker" not in html and asker.email not in html
    assert "Clean three buildings." in html


def test_detail_lists_addenda_with_notes_and_changes(client, at, make_opportunity, officer):
    opportunity = make_opportunity(closes_at=T0 + timedelta(days=10))
    data = OpportunityInput(title=opportunity.title, closes_at=T0 + timedelta(days=12))
    services.issue_addendum(opportunity, "Site visit added; closing moved.", data, actor=officer, now=T0)
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Addendum 1" in html and "Site visit added; closing moved." in html
    assert "Closing time" in html and "Mar 14, 2026" in html


def test_published_documents_download_without_login_but_draft_documents_do_not(
        client, at, make_opportunity, officer):
    opportunity = make_opportunity(publish=False)
    document = _attach_pdf(opportunity, officer)
    services.publish(opportunity, actor=officer, now=T0)
    db.session.commit()  # the file moves into place when the transaction commits
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "spec.pdf" in html
    response = client.get(f"/opportunities/{opportunity.id}/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()

    draft = make_opportunity(publish=False)
    draft_document = _attach_pdf(draft, officer, "draft.pdf")
    db.session.commit()
    assert client.get(f"/opportunities/{draft.id}/documents/{draft_document.id}").status_code == 404
    assert client.get(f"/opportunities/{opportunity.id}/documents/{draft_document.id}").status_code == 404


def test_draft_documents_are_hidden_from_vendors_even_by_id(client_for, at, make_opportunity, make_user, officer):
    draft = make_opportunity(publish=False)
    document = _attach_pdf(draft, officer, "draft.pdf")
    db.session.commit()
    assert client_for(make_user("vendor")).get(f"/documents/{document.id}").status_code == 404
    assert client_for(make_user("officer")).get(f"/documents/{document.id}").status_code == 404
    response = client_for(officer).get(f"/documents/{document.id}")
    assert response.status_code == 200
    response.close()


def test_closing_ics_is_a_valid_calendar_event_at_the_closing_instant(client, at, make_opportunity):
    closes = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
    opportunity = make_opportunity(title="Roof repair", closes_at=closes)
    response = client.get(f"/opportunities/{opportunity.id}/closing.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert f'{opportunity.reference}-closing.ics' in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == closes
    assert "Roof repair" in str(event["SUMMARY"])
    assert str(event["URL"]).endswith(f"/opportunities/{opportunity.id}")
    assert b"DTSTART:20260320T180000Z" in response.data
