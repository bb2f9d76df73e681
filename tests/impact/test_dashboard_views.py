"""Dashboard and goal pages over HTTP: who may see what, the rule and denominator named, CSV exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.impact import goals
from marketplace.impact.goals import GoalInput
from marketplace.impact.models import Goal
from marketplace.impact.report import compute_report, report_to_json
from tests.impact import dashboard_data
from tests.impact.dashboard_data import TODAY

PAGES = ["/impact", "/impact/collaborative", "/impact/summary", "/impact/goals"]
VENDOR_NAMES = ("Broward Supply LLC", "Miami MBE Co", "Miami Plain Co", "Other Local Co", "UNKNOWN PAYEE")


@pytest.fixture
def ledger(institution, make_institution, vendor, frozen_clock):
    frozen_clock(TODAY)
    return dashboard_data.build(institution, make_institution, vendor)


@pytest.fixture
def officer(make_user, login, ledger):
    user = make_user("officer", institution_id=ledger.general.id)
    login(user)
    return user


@pytest.fixture
def backbone(make_user, login, ledger):
    user = make_user("backbone")
    login(user)
    return user


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def _rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _goal(actor, institution_id, **fields) -> Goal:
    values = dict(institution_id=institution_id, category="local", baseline_period="FY2025", target_kind="share",
                  target_value="30", target_date=date(2027, 6, 30))
    values.update(fields)
    return goals.create_goal(GoalInput(**values), actor=actor)


def test_anonymous_users_may_see_only_the_public_summary(client, ledger):
    for path in ["/impact", "/impact/collaborative", "/impact/goals", "/impact/goals/new"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/impact/summary").status_code == 200


@pytest.mark.parametrize("path", ["/impact", "/impact/collaborative", "/impact/goals", "/impact/goals/new",
                                  "/impact?format=csv&chart=quarters", "/impact/collaborative?format=csv&chart=years"])
def test_vendors_are_refused_the_private_dashboards(client, make_user, login, ledger, path):
    login(make_user("vendor"))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/impact/collaborative", "/impact/goals", "/impact/goals/new"])
def test_officers_are_refused_the_backbone_pages(client, officer, path):
    assert client.get(path).status_code == 403


def test_officer_dashboard_shows_own_figures_rule_and_denominator(client, officer):
    page = _text(client.get("/impact"))
    assert "Impact purchasing: General Hospital" in page
    assert "expiry rule: strict" in page and "local rule: Broward region" in page
    assert "addressable spend (the denominator)" in page
    assert "24.00%" in page and "16.00%" in page  # local and MWBE, FY2026 to date
    assert "$1,250.00" in page  # the denominator
    assert "1 spend line ($250.00) not tied to a vendor yet" in page and "/impact/unmatched" in page
    assert "Broward Supply LLC" in page and "Miami MBE Co" in page  # top local / diverse vendors


def test_officer_sees_only_their_own_institution(client, officer):
    pages = _text(client.get("/impact")) + _text(client.get("/impact?category=local"))
    assert "Other Hospital" not in pages and "Other Local Co" not in pages
    for chart in ("quarters", "years", "goals", "vendors"):
        text = client.get(f"/impact?format=csv&chart={chart}").get_data(as_text=True)
        assert "other" not in {row.get("scope") for row in csv.DictReader(io.StringIO(text))}
        assert "Other" not in text


def test_officer_quarter_csv_equals_compute_report(client, officer):
    rows = _rows(client.get("/impact?format=csv&chart=quarters"))
    assert {r["period"] for r in rows} == {"2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"}
    reports = {p: report_to_json(compute_report(p, ["general"]))["institutions"][0] for p in {r["period"] for r in rows}}
    for row in rows:
        expected = reports[row["period"]]
        assert row["share"] == expected["categories"][row["category"]]["share"]
        assert row["amount"] == expected["categories"][row["category"]]["amount"]
        assert row["addressable"] == expected["addressable"] and row["total"] == expected["total"]
        assert (row["expiry_rule"], row["local_rule"], row["denominator"]) == ("strict", "Broward region", "addressable")
    q3_local = next(r for r in rows if r["period"] == "2025Q3" and r["category"] == "local")
    assert (q3_local["amount"], q3_local["addressable"], q3_local["share"]) == ("300.00", "1250.00", "0.240000")


def test_officer_goal_csv_has_the_progress(client, officer, make_user):
    _goal(make_user("backbone"), officer.institution_id)
    (row,) = _rows(client.get("/impact?format=csv&chart=goals"))
    assert (row["baseline_share"], row["target_share"], row["current_share"], row["progress"]) == (
        "0.100000", "0.300000", "0.240000", "0.700000")
    assert "70%" in _text(client.get("/impact"))


def test_unknown_chart_export_is_not_found(client, officer):
    assert client.get("/impact?format=csv&chart=nope").status_code == 404


def test_collaborative_dashboard_shows_every_institution_and_the_shift(client, backbone):
    _goal(backbone, None, target_value="25")
    _goal(backbone, dashboard_data_other_id(), target_value="10")
    page = _text(client.get("/impact/collaborative?category=local"))
    assert "General Hospital" in page and "Other Hospital" in page
    assert "20.00%" in page  # 400 ÷ 2000, spend-weighted
    assert "$300.00" in page  # local dollars shifted: (0.20 − 0.05) × 2000
    assert "expiry rule: strict" in page and "addressable spend (the denominator)" in page
    shifted = {r["category"]: r for r in _rows(client.get("/impact/collaborative?format=csv&chart=shifted"))}
    assert shifted["local"]["dollars_shifted"] == "300.00" and shifted["local"]["baseline_period"] == "FY2025"
    institutions = _rows(client.get("/impact/collaborative?format=csv&chart=institutions"))
    local = {r["scope"]: r["share"] for r in institutions if r["category"] == "local"}
    assert local == {"general": "0.240000", "other": "0.133333", "collaborative": "0.200000"}


def dashboard_data_other_id() -> int:
    from marketplace.institutions.models import Institution

    return db.session.scalar(sa.select(Institution.id).where(Institution.slug == "other"))


def test_collaborative_year_csv_equals_compute_report(client, backbone):
    rows = _rows(client.get("/impact/collaborative?format=csv&chart=years"))
    reports = {p: report_to_json(compute_report(p))["collaborative"] for p in {r["period"] for r in rows}}
    assert set(reports) == {"FY2024", "FY2025", "FY2026"}
    for row in rows:
        expected = reports[row["period"]]
        assert row["share"] == expected["categories"][row["category"]]["share"]
        assert row["addressable"] == expected["addressable"]


def test_public_summary_has_shares_but_no_vendor_or_institution_detail(client, ledger):
    page = _text(client.get("/impact/summary"))
    assert "20.0%" in page  # collaborative local share, FY2026 to date
    assert "expiry rule: strict" in page and "addressable spend (the denominator)" in page
    exports = [client.get(f"/impact/summary?format=csv&chart={c}").get_data(as_text=True) for c in ("quarters", "years")]
    for text in [page, *exports]:
        assert not any(name in text for name in VENDOR_NAMES)
        assert "Other Hospital" not in text and "General Hospital" not in text


@pytest.mark.parametrize("path", PAGES)
def test_charts_are_svg_with_a_name_and_no_style_attribute(client, make_user, login, ledger, path):
    role = "officer" if path == "/impact" else "backbone"
    login(make_user(role, institution_id=ledger.general.id) if role == "officer" else make_user(role))
    page = _text(client.get(path))
    assert not re.search(r"\sstyle\s*=", page) and "<style" not in page
    if path != "/impact/goals":
        assert '<svg class="impact-chart"' in page and 'role="img"' in page and "<title id=" in page
        assert page.count("<caption>") >= page.count("<svg ")


def test_backbone_sets_a_goal_through_the_form(client, backbone):
    response = client.post("/impact/goals/new", data={
        "scope": "collaborative", "category": "local", "baseline_period": "FY2025", "target_kind": "share",
        "target_value": "7.5", "target_date": "2027-06-30"})
    assert response.status_code == 302
    goal = db.session.scalar(sa.select(Goal))
    assert goal.institution_id is None and str(goal.target_value) == "0.075000"
    page = _text(client.get("/impact/goals"))
    assert "7.5%" in page and "Collaborative" in page


def test_goal_form_errors_are_shown_by_field(client, backbone):
    response = client.post("/impact/goals/new", data={
        "scope": "collaborative", "category": "local", "baseline_period": "last year", "target_kind": "share",
        "target_value": "150", "target_date": "2027-06-30"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a fiscal year (FY2024)" in page and "Enter a percentage up to 100." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0


def test_backbone_edits_and_deletes_a_goal_with_audit(client, backbone, ledger):
    goal = _goal(backbone, ledger.general.id)
    form = _text(client.get(f"/impact/goals/{goal.id}/edit"))
    assert 'value="30"' in form
    response = client.post(f"/impact/goals/{goal.id}/edit", data={
        "scope": str(ledger.general.id), "category": "local", "baseline_period": "FY2025",
        "target_kind": "multiple", "target_value": "2", "target_date": "2027-06-30"})
    assert response.status_code == 302 and goal.target_kind == "multiple"
    assert client.post(f"/impact/goals/{goal.id}/delete").status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "goal")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["goal.created", "goal.updated", "goal.deleted"]
    assert db.session.get(Goal, goal.id) is None
