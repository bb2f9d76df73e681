"""Backbone administration pages: institutions, invitations, collaborative settings."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.auth.models import Invitation
from marketplace.institutions import services
from marketplace.institutions.models import Collaborative, Institution

NEW_INSTITUTION = {
    "name": "Broward Health",
    "slug": "broward-health",
    "sector": "health",
    "timezone": "America/New_York",
    "fiscal_year_start_month": "7",
    "addendum_extension_hours": "72",
    "local_rule_mode": "collaborative",
    "local_counties": "",
    "local_zips": "",
    "nonaddressable": "",
}

ADMIN_PAGES = [
    ("GET", "/admin/"),
    ("GET", "/admin/institutions"),
    ("GET", "/admin/institutions/new"),
    ("POST", "/admin/institutions/new"),
    ("GET", "/admin/institutions/{id}"),
    ("POST", "/admin/institutions/{id}"),
    ("GET", "/admin/institutions/{id}/officers"),
    ("POST", "/admin/institutions/{id}/officers"),
    ("GET", "/admin/invitations"),
    ("POST", "/admin/invitations"),
    ("POST", "/admin/invitations/{invitation}/revoke"),
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
]


@pytest.fixture
def backbone(client, make_user, login):
    user = make_user("backbone")
    login(user)
    return user


def institution(slug: str) -> Institution | None:
    return db.session.scalar(sa.select(Institution).where(Institution.slug == slug))


def test_overview_shows_counts_and_links(client, backbone, make_institution):
    make_institution(name="Memorial Healthcare")
    page = client.get("/admin/").get_data(as_text=True)
    assert "<strong>1</strong> member institution," in page
    for path in ("/admin/institutions", "/admin/invitations", "/admin/settings"):
        assert f'href="{path}"' in page


def test_backbone_nav_links_to_institutions_and_settings(client, backbone):
    page = client.get("/admin/").get_data(as_text=True)
    assert ">Institutions<" in page and ">Settings<" in page


def test_create_institution_then_it_is_listed(client, backbone):
    response = client.post("/admin/institutions/new", data=NEW_INSTITUTION)
    assert response.status_code == 302
    inst = institution("broward-health")
    assert response.headers["Location"] == f"/admin/institutions/{inst.id}/officers"
    assert (inst.name, inst.sector, inst.timezone, inst.fiscal_year_start_month) == (
        "Broward Health", "health", "America/New_York", 7)
    listing = client.get("/admin/institutions").get_data(as_text=True)
    assert "Broward Health" in listing and "broward-health" in listing
    created = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "institution.created"))
    assert created.actor_user_id == backbone.id


def test_create_institution_with_bad_input_rerenders_with_messages_and_keeps_input(client, backbone):
    data = dict(NEW_INSTITUTION, name="Broward Health", slug="Not A Slug", fiscal_year_start_month="13",
                local_rule_mode="own", local_counties="FL:Atlantis", nonaddressable="Payroll")
    response = client.post("/admin/institutions/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "usa-error-message" in page
    assert "Not a valid choice" in page  # month 13
    assert 'value="Not A Slug"' in page
    assert "FL:Atlantis" in page and "Payroll" in page
    assert institution("not-a-slug") is None


def test_create_institution_with_service_refusal_shows_it_on_the_field(client, backbone):
    data = dict(NEW_INSTITUTION, slug="Bad Slug!", local_rule_mode="own", local_counties="FL:Atlantis")
    response = client.post("/admin/institutions/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "lowercase letters, digits and hyphens" in page
    assert db.session.scalar(sa.select(sa.func.count(Institution.id))) == 0


def test_create_institution_with_a_taken_slug_is_refused(client, backbone, make_institution):
    make_institution(slug="broward-health", name="The original")
    db.session.commit()
    response = client.post("/admin/institutions/new", data=NEW_INSTITUTION)
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    assert institution("broward-health").name == "The original"


def test_edit_institution_saves_every_setting(client, backbone, make_institution):
    inst = make_institution(slug="nsu", name="NSU", sector="higher_education")
    data = dict(NEW_INSTITUTION, name="Nova Southeastern University", slug="nsu", sector="higher_education",
                timezone="America/Chicago", fiscal_year_start_month="10", requires_two_openers="y",
                addendum_extension_hours="96", local_rule_mode="own", local_counties="FL:Broward\nfl:palm beach county",
                local_zips="33004", nonaddressable="Payroll\nTaxes")
    response = client.post(f"/admin/institutions/{inst.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = institution("nsu")
    assert (saved.name, saved.timezone, saved.fiscal_year_start_month, saved.requires_two_openers,
            saved.addendum_extension_hours) == ("Nova Southeastern University", "America/Chicago", 10, True, 96)
    assert services.describe_rule(saved.local_rule) == {
        "counties": ["FL:Broward County", "FL:Palm Beach County"], "zips": ["33004"]}
    assert {c.name: c.addressable for c in saved.spend_categories} == {"Payroll": False, "Taxes": False}
    page = client.get(f"/admin/institutions/{inst.id}").get_data(as_text=True)
    assert "FL:Broward County" in page and "No (non-addressable)" in page and "Payroll" in page


def test_edit_institution_with_unknown_county_changes_nothing(client, backbone, make_institution):
    inst = make_institution(slug="nsu", name="NSU")
    db.session.commit()
    data = dict(NEW_INSTITUTION, name="Renamed", slug="nsu", local_rule_mode="own",
                local_counties="FL:Broward\nFL:Atlantis")
    response = client.post(f"/admin/institutions/{inst.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown county &#39;Atlantis&#39; in FL" in page
    assert 'value="Renamed"' in page
    saved = institution("nsu")
    assert saved.name == "NSU" and saved.local_rule_id is None


def test_own_local_rule_without_counties_or_zips_is_refused(client, backbone, make_institution):
    inst = make_institution(slug="nsu")
    db.session.commit()
    data = dict(NEW_INSTITUTION, name=inst.name, slug="nsu", local_rule_mode="own")
    response = client.post(f"/admin/institutions/{inst.id}", data=data)
    assert response.status_code == 422
    assert "Enter at least one county or ZIP code" in response.get_data(as_text=True)
    assert institution("nsu").local_rule_id is None


def test_edit_institution_back_to_the_collaborative_rule(client, backbone, make_institution):
    inst = make_institution(slug="nsu")
    services.set_institution_local_rule(inst, ["FL:Broward"], [])
    data = dict(NEW_INSTITUTION, name=inst.name, slug="nsu", local_rule_mode="collaborative")
    assert client.post(f"/admin/institutions/{inst.id}", data=data).status_code == 302
    assert institution("nsu").local_rule_id is None


def test_unknown_institution_is_404(client, backbone):
    assert client.get("/admin/institutions/999999").status_code == 404


def test_settings_save_region_types_and_expiry_rule(client, backbone, collaborative):
    data = {"name": "South Florida Anchors", "backbone_name": "Community Fund", "counties": "FL:Broward\nFL:Miami-Dade County",
            "zips": "33004", "enabled_types": ["SBE", "employee_owned"], "expiry_rule": "grace_days", "grace_days": "30"}
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 302
    collab = db.session.scalar(sa.select(Collaborative))
    db.session.refresh(collab)
    assert (collab.name, collab.backbone_name) == ("South Florida Anchors", "Community Fund")
    assert services.describe_rule(collab.local_rule) == {
        "counties": ["FL:Broward County", "FL:Miami-Dade County"], "zips": ["33004"]}
    assert collab.enabled_certification_types == ["SBE", "employee_owned"]
    assert collab.expiry_rule_label == "grace_days=30"
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "FL:Miami-Dade County" in page
    assert 'value="30"' in page


@pytest.mark.parametrize("override, message", [
    ({"counties": "FL:Broward\nZZ:Nowhere"}, "Unknown state &#39;ZZ&#39;"),
    ({"zips": "3300"}, "not a 5-digit ZIP code"),
    ({"expiry_rule": "grace_days", "grace_days": ""}, "Enter the number of grace days."),
    ({"expiry_rule": "grace_days", "grace_days": "-1"}, "Number must be between 0 and 3650."),
    ({"name": ""}, "Enter a name."),
])
def test_settings_with_bad_input_rerender_with_messages_and_change_nothing(client, backbone, collaborative,
                                                                           override, message):
    data = {"name": "Renamed", "counties": "FL:Broward", "zips": "", "enabled_types": ["SBE"],
            "expiry_rule": "strict", "grace_days": ""}
    data.update(override)
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if data["counties"]:
        assert data["counties"].splitlines()[-1] in page
    collab = db.session.scalar(sa.select(Collaborative))
    db.session.refresh(collab)
    assert collab.name == "Test Anchor Collaborative"
    assert collab.local_rule.counties == []


def test_inviting_an_officer_emails_a_link(client, backbone, make_institution, runner, smtp_server):
    inst = make_institution(name="Memorial Healthcare")
    response = client.post(f"/admin/institutions/{inst.id}/officers", data={"email": "Buyer@Memorial.example"})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "buyer@memorial.example"))
    assert (invitation.role, invitation.institution_id, invitation.invited_by_id) == ("officer", inst.id, backbone.id)
    page = client.get(f"/admin/institutions/{inst.id}/officers").get_data(as_text=True)
    assert "buyer@memorial.example" in page and "Pending" in page
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    sent = [m for m in smtp_server["messages"] if m["To"] == "buyer@memorial.example"]
    assert len(sent) == 1
    assert "Memorial Healthcare" in sent[0]["Subject"]
    assert "/invitations/" in sent[0].get_payload(decode=True).decode()


def test_inviting_a_backbone_colleague_emails_a_link(client, backbone, runner, smtp_server):
    response = client.post("/admin/invitations", data={"email": "colleague@backbone.example"})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "colleague@backbone.example"))
    assert (invitation.role, invitation.institution_id) == ("backbone", None)
    assert "colleague@backbone.example" in client.get("/admin/invitations").get_data(as_text=True)
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    assert [m for m in smtp_server["messages"] if m["To"] == "colleague@backbone.example"]


def test_invitation_with_a_bad_email_rerenders_and_keeps_it(client, backbone):
    response = client.post("/admin/invitations", data={"email": "not-an-email"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a valid email address." in page and 'value="not-an-email"' in page
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_inviting_an_existing_user_shows_the_refusal_on_the_field(client, backbone, make_user, make_institution):
    inst = make_institution()
    existing = make_user("officer", institution_id=inst.id)
    response = client.post(f"/admin/institutions/{inst.id}/officers", data={"email": existing.email})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_withdrawing_a_pending_invitation(client, backbone, make_institution):
    inst = make_institution()
    client.post(f"/admin/institutions/{inst.id}/officers", data={"email": "later@example.org"})
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "later@example.org"))
    response = client.post(f"/admin/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert "Revoked" in client.get(f"/admin/institutions/{inst.id}/officers").get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "vendor"])
def test_officers_and_vendors_get_403_on_every_admin_page(app, make_user, make_institution, role):
    inst = make_institution()
    invitation_id = 1
    client = app.test_client()
    user = make_user(role)
    assert client.post("/login", data={"email": user.email, "password": "correct horse battery staple 42"}).status_code == 302
    for method, path in ADMIN_PAGES:
        url = path.format(id=inst.id, invitation=invitation_id)
        response = client.open(url, method=method, data={"email": "x@example.org", "name": "Hijack"})
        assert response.status_code == 403, (method, url, response.status_code)
    assert institution(inst.slug).name == inst.name


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
