"""Periods, the JSON contract, the CSV form and `flask impact report`."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest

from marketplace.errors import DomainError
from marketplace.impact.periods import fiscal_year_segments, parse_period
from tests.impact.conftest import BROWARD, MIAMI, report, spend

MONEY = re.compile(r"^-?\d+\.\d{2}$")
SHARE = re.compile(r"^-?\d+\.\d{6,}$")


@pytest.mark.parametrize(("label", "start_month", "start", "end"), [
    ("FY2025", 7, date(2024, 7, 1), date(2025, 6, 30)),
    ("FY2025", 10, date(2024, 10, 1), date(2025, 9, 30)),
    ("FY2025", 1, date(2025, 1, 1), date(2025, 12, 31)),
    ("fy2024", 2, date(2023, 2, 1), date(2024, 1, 31)),
    ("2025Q1", 7, date(2025, 1, 1), date(2025, 3, 31)),
    ("2025Q3", 10, date(2025, 7, 1), date(2025, 9, 30)),
    ("2025Q4", 1, date(2025, 10, 1), date(2025, 12, 31)),
    ("2024-02", 7, date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-12", 7, date(2025, 12, 1), date(2025, 12, 31)),
])
def test_periods_are_calendar_months_and_quarters_and_each_institutions_fiscal_year(label, start_month, start, end):
    assert parse_period(label).bounds(start_month) == (start, end)


@pytest.mark.parametrize("label", ["2025", "FY25", "2025Q5", "2025-13", "2025-7", "", "Q3 2025"])
def test_unknown_period_labels_are_refused(label):
    with pytest.raises(DomainError):
        parse_period(label)


def test_a_quarter_crossing_a_fiscal_year_splits_into_two_segments():
    assert fiscal_year_segments(date(2025, 7, 1), date(2025, 9, 30), 8) == [
        (date(2025, 7, 1), date(2025, 7, 31), date(2024, 8, 1), date(2025, 7, 31)),
        (date(2025, 8, 1), date(2025, 9, 30), date(2025, 8, 1), date(2026, 7, 31)),
    ]


@pytest.fixture
def ledger(institution, vendor, make_institution):
    """Two institutions with March 2025 spend: General 1000 local + 3000 other; Second 500 SBE."""
    spend(institution, "1000.00", date(2025, 3, 3), vendor(BROWARD))
    spend(institution, "3000.00", date(2025, 3, 4), vendor(MIAMI))
    second = make_institution(slug="second", name="Second College")
    spend(second, "500.00", date(2025, 3, 5), vendor(MIAMI, certs=("SBE",)))
    return institution, second


def test_json_report_follows_the_contract(ledger):
    data = report("2025-03")
    assert list(data) == ["period", "expiry_rule", "institutions", "collaborative"]
    assert (data["period"], data["expiry_rule"]) == ("2025-03", "strict")
    keys = ["local", "small", "mwbe", "diverse", "any_impact",
            "sbe", "mbe", "wbe", "dbe", "dobe", "vbe", "sdvob", "lgbtbe", "employee_owned"]
    for block in [*data["institutions"], data["collaborative"]]:
        assert {"period_start", "period_end", "total", "addressable", "categories", "potential"} <= set(block)
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", block["period_start"])
        assert MONEY.match(block["total"]) and MONEY.match(block["addressable"])
        for part in ("categories", "potential"):
            assert list(block[part]) == keys
            for figure in block[part].values():
                assert set(figure) == {"amount", "share"}
                assert MONEY.match(figure["amount"]) and SHARE.match(figure["share"])
    assert [b["slug"] for b in data["institutions"]] == ["general", "second"]
    assert "slug" not in data["collaborative"]
    # General: 1000 / 4000; Second: 500 / 500; collaborative: local 1000 / 4500, small 500 / 4500
    general, second = data["institutions"]
    assert general["categories"]["local"] == {"amount": "1000.00", "share": "0.250000"}
    assert second["categories"]["small"] == {"amount": "500.00", "share": "1.000000"}
    assert data["collaborative"]["categories"]["local"] == {"amount": "1000.00", "share": "0.222222"}
    assert data["collaborative"]["categories"]["any_impact"] == {"amount": "1500.00", "share": "0.333333"}
    json.dumps(data)  # plain strings and dicts only


def test_one_institutions_report_still_gives_the_whole_collaborative(ledger):
    data = report("2025-03", ["second"])
    assert [b["slug"] for b in data["institutions"]] == ["second"]
    assert data["collaborative"]["addressable"] == "4500.00"


def test_cli_report_prints_the_json_contract(ledger, runner):
    result = runner.invoke(args=["impact", "report", "--period", "2025-03", "--institution", "general"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == report("2025-03", ["general"])
    assert data["institutions"][0]["total"] == "4000.00"


def test_cli_report_as_csv_has_one_row_per_scope_basis_and_category(ledger, runner):
    result = runner.invoke(args=["impact", "report", "--period", "2025-03", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 3 * 2 * 14  # (general, second, collaborative) x (verified, potential) x categories
    general_local = next(r for r in rows if r["scope"] == "general" and r["basis"] == "verified"
                         and r["category"] == "local")
    assert general_local == {
        "period": "2025-03", "expiry_rule": "strict", "scope": "general", "period_start": "2025-03-01",
        "period_end": "2025-03-31", "local_rule": "Broward region", "basis": "verified", "category": "local",
        "amount": "1000.00", "addressable": "4000.00", "total": "4000.00", "share": "0.250000",
    }


def test_cli_report_as_text_names_the_rules(ledger, runner):
    result = runner.invoke(args=["impact", "report", "--period", "2025-03", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "expiry rule strict" in result.output and "local rule: Broward region" in result.output
    assert "25.00%" in result.output


def test_cli_report_refuses_a_bad_period_or_institution(ledger, runner):
    bad_period = runner.invoke(args=["impact", "report", "--period", "2025Q5"])
    assert bad_period.exit_code == 1 and "Unknown period" in bad_period.output
    bad_slug = runner.invoke(args=["impact", "report", "--period", "FY2025", "--institution", "nope"])
    assert bad_slug.exit_code == 1 and "nope" in bad_slug.output
