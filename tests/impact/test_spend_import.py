"""`flask spend import`: every row or none, each bad row with its line number, idempotent re-imports."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.auth.registration import normalize_business_name
from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.institutions.models import SpendCategory
from marketplace.vendors.models import VendorAddress

HEADER = "line_id,vendor_name,ein,zip,amount,payment_date,category"
GOOD = f"""{HEADER},memo
A1,ACME SUPPLY,12-3456789,,1000.00,2025-03-01,Supplies,paid by check
A2,Rivera Plumbing,,33130,250.50,2025-03-02,supplies,
A3,Rivera Plumbng,,33130-1234,-20.00,2025-03-03,Supplies,credit note
A4,Sunshine Cleaning,,33301,300,2025-03-04,Supplies,
A5,Unknown Payee Corp,,33301,75.25,2025-03-05,Payroll,
"""


@pytest.fixture
def vendors(make_vendor):
    """Acme (by EIN), Rivera in 33130, and two Sunshine Cleaning businesses in 33301."""
    def make(name: str, zip_code: str, **fields):
        v = make_vendor(legal_name=name, normalized_name=normalize_business_name(name), **fields)
        v.addresses.append(VendorAddress(kind="principal", line1="1 Main St", city="City", state="FL",
                                         zip=zip_code, county="Broward County"))
        db.session.flush()
        return v

    return {"acme": make("Acme Supply Company", "33020", ein="12-3456789"),
            "rivera": make("Rivera Plumbing Inc", "33130"),
            "sunshine_llc": make("Sunshine Cleaning LLC", "33301"),
            "sunshine_co": make("Sunshine Cleaning Co", "33301")}


@pytest.fixture
def run_import(runner, tmp_path, institution):
    def run(text: str | bytes, *extra: str, name: str = "extract.csv"):
        path = tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        db.session.commit()  # keep the fixtures when a refused import rolls back (the test's transaction still ends it)
        return runner.invoke(args=["spend", "import", str(path), "--institution", institution.slug, *extra])

    return run


def _lines(institution) -> dict[str, SpendLine]:
    rows = db.session.scalars(sa.select(SpendLine).where(SpendLine.institution_id == institution.id))
    return {line.line_id: line for line in rows}


def test_import_adds_every_line_and_matches_vendors(run_import, institution, vendors):
    result = run_import(GOOD)
    assert result.exit_code == 0, result.output
    assert "5 line(s) read: 5 added, 0 already imported." in result.output
    assert "3 matched, 1 ambiguous, 1 unmatched" in result.output
    assert "Ignored column(s): memo." in result.output
    lines = _lines(institution)
    assert (lines["A1"].vendor_id, lines["A1"].match_status) == (vendors["acme"].id, "matched")  # by EIN
    assert (lines["A2"].vendor_id, lines["A2"].match_status) == (vendors["rivera"].id, "matched")  # name + ZIP
    assert (lines["A3"].vendor_id, lines["A3"].zip) == (vendors["rivera"].id, "33130")  # near name, ZIP+4
    assert (lines["A4"].vendor_id, lines["A4"].match_status) == (None, "ambiguous")  # two Sunshines in 33301
    assert (lines["A5"].vendor_id, lines["A5"].match_status) == (None, "unmatched")
    assert lines["A2"].category == "Supplies"  # the institution's spelling
    assert lines["A3"].amount == Decimal("-20.00") and lines["A1"].payment_date == date(2025, 3, 1)
    assert {line.source for line in lines.values()} == {"import"}
    batch = db.session.scalar(sa.select(ImportBatch))
    assert (batch.rows_total, batch.rows_added, batch.filename) == (5, 5, "extract.csv")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "spend.imported"))
    assert event.institution_id == institution.id and event.detail["added"] == 5
    assert "Importing" in result.stderr  # the progress bar


def test_bad_rows_are_each_reported_with_line_number_and_nothing_is_imported(run_import, institution, vendors):
    text = f"""{HEADER}
B1,Acme,,,12.345,2025-03-01,Supplies
B2,Acme,,,abc,2025-03-01,Supplies
B3,Acme,,,10.00,2025-02-30,Supplies
B1,Acme,,,10.00,2025-03-01,Supplies
B5,,,,10.00,2025-03-01,Supplies
B6,Acme,,,10.00,2025-03-01,Fuel
B7,Acme,123,,10.00,2025-03-01,Supplies

B8,Acme,,ABCDE,10.00,03/01/2025,Supplies
B9,Acme
B10,Acme,,,1.00,2025-03-01,Supplies
"""
    result = run_import(text)
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert problems == [
        "line 2: amount '12.345' has more than two decimal places",
        "line 3: amount 'abc' is not a number (write it like 1234.56 or -20.00, without separators)",
        "line 4: payment_date '2025-02-30' is not a date in ISO 8601 form (YYYY-MM-DD)",
        "line 5: line_id 'B1' already appears on line 2",
        "line 6: vendor_name is missing",
        "line 7: category 'Fuel' is not one of this institution's spend categories (Payroll, Supplies)",
        "line 8: ein '123' is not 9 digits (like 12-3456789)",
        "line 10: zip 'ABCDE' is not a 5-digit ZIP code; "
        "payment_date '03/01/2025' is not a date in ISO 8601 form (YYYY-MM-DD)",
        "line 11: amount is missing; payment_date is missing; category is missing",
    ]
    assert "Error: Nothing was imported: 9 problem(s) in the file." in result.stderr
    assert _lines(institution) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_a_missing_column_rejects_the_file_on_line_1(run_import, institution):
    result = run_import("line_id,vendor_name,ein,amount,payment_date,category\nX,Acme,,1.00,2025-01-01,Supplies\n")
    assert result.exit_code == 1
    assert "line 1: missing column(s): zip" in result.stderr
    assert _lines(institution) == {}


def test_reimporting_the_same_file_or_overlapping_lines_adds_nothing_new(run_import, institution, vendors):
    assert run_import(GOOD).exit_code == 0
    again = run_import(GOOD)
    assert again.exit_code == 0 and "5 line(s) read: 0 added, 5 already imported." in again.output
    overlap = f"""{HEADER}
A4,Sunshine Cleaning,,33301,300,2025-03-04,Supplies
A5,Unknown Payee Corp,,33301,75.25,2025-03-05,Payroll
A6,Rivera Plumbing,,33130,10.00,2025-04-01,Supplies
"""
    third = run_import(overlap)
    assert "3 line(s) read: 1 added, 2 already imported." in third.output
    assert sorted(_lines(institution)) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 2


def test_the_same_line_id_may_be_used_by_another_institution(run_import, runner, tmp_path, make_institution):
    other = make_institution(slug="other")
    other.spend_categories.append(SpendCategory(name="Supplies"))
    other.spend_categories.append(SpendCategory(name="Payroll", addressable=False))
    db.session.flush()
    assert run_import(GOOD).exit_code == 0
    path = tmp_path / "other.csv"
    path.write_text(GOOD)
    result = runner.invoke(args=["spend", "import", str(path), "--institution", "other"])
    assert "5 added" in result.output


def test_unknown_categories_can_be_added_as_addressable_when_asked(run_import, institution):
    text = f"{HEADER}\nC1,Acme,,,10.00,2025-03-01,Fuel\nC2,Acme,,,5.00,2025-03-01,fuel\n"
    assert run_import(text).exit_code == 1
    result = run_import(text, "--allow-new-categories")
    assert result.exit_code == 0, result.output
    assert "New addressable categories: Fuel." in result.output
    fuel = db.session.scalar(sa.select(SpendCategory).where(SpendCategory.institution_id == institution.id,
                                                            SpendCategory.name == "Fuel"))
    assert fuel.addressable is True
    assert {line.category for line in _lines(institution).values()} == {"Fuel"}


def test_xlsx_extracts_are_read_like_csv(run_import, institution, vendors):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Line_ID", "Vendor_Name", "EIN", "ZIP", "Amount", "Payment_Date", "Category"])
    sheet.append([1001, "Rivera Plumbing", None, 33130, 1234.5, date(2025, 3, 9), "Supplies"])
    sheet.append(["X-2", "Acme", 123456789, None, -12, "2025-03-10", "Payroll"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run_import(buffer.getvalue(), name="extract.xlsx")
    assert result.exit_code == 0, result.output
    lines = _lines(institution)
    assert (lines["1001"].amount, lines["1001"].payment_date, lines["1001"].vendor_id) == (
        Decimal("1234.50"), date(2025, 3, 9), vendors["rivera"].id)
    assert (lines["X-2"].ein, lines["X-2"].amount) == ("12-3456789", Decimal("-12.00"))


def test_bad_xlsx_rows_are_numbered_as_the_sheet_shows_them(run_import, institution):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["Y1", "Acme", None, None, 10, date(2025, 3, 9), "Supplies"])
    sheet.append(["Y2", "Acme", None, None, "ten", date(2025, 3, 9), "Supplies"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run_import(buffer.getvalue(), name="extract.xlsx")
    assert result.exit_code == 1 and "line 3: amount 'ten' is not a number" in result.stderr
    assert _lines(institution) == {}


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(run_import, institution):
    result = run_import(b"%PDF-1.4", name="extract.pdf")
    assert result.exit_code == 1 and "line 1: the file must be a .csv or .xlsx extract" in result.stderr


def test_a_bad_row_after_thousands_of_good_ones_undoes_every_line_already_written(institution):
    from marketplace.impact.spend_import import import_spend
    from marketplace.impact.spend_reader import ImportRejected

    good = "".join(f"G{n},Payee {n % 50},,33301,{n}.25,2025-03-{n % 28 + 1:02d},Supplies\n" for n in range(20_000))
    db.session.commit()
    with pytest.raises(ImportRejected) as rejected:
        import_spend(institution, "big.csv", f"{HEADER}\n{good}G-bad,Payee,,33301,12.345,2025-03-01,Supplies\n".encode())
    assert [str(p) for p in rejected.value.problems] == [
        "line 20002: amount '12.345' has more than two decimal places"]
    assert _lines(institution) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
    # The transaction is still usable: the same rows without the bad one import in it.
    result = import_spend(institution, "big.csv", f"{HEADER}\n{good}".encode())
    assert (result.added, len(_lines(institution))) == (20_000, 20_000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 1


def test_a_reimport_that_would_change_stored_lines_keeps_them_and_says_which(run_import, institution, vendors):
    assert run_import(GOOD).exit_code == 0
    corrected = (GOOD.replace("A4,Sunshine Cleaning,,33301,300,", "A4,Sunshine Cleaning,,33301,310.00,")
                 .replace("A5,Unknown Payee Corp,,33301,75.25,2025-03-05,Payroll",
                          "A5,Unknown Payee Corp,,33301,75.25,2025-03-06,payroll"))
    result = run_import(corrected)
    assert result.exit_code == 0
    assert "5 line(s) read: 0 added, 5 already imported." in result.output
    assert ("Warning: 2 already imported line(s) differ from this file and were kept as first imported "
            "(re-importing never changes a stored line): line 5 (A4): amount 310.00 here, 300.00 stored; "
            "line 6 (A5): payment_date 2025-03-06 here, 2025-03-05 stored.") in result.stderr
    lines = _lines(institution)
    assert (lines["A4"].amount, lines["A5"].payment_date) == (Decimal("300.00"), date(2025, 3, 5))
    assert "differ" not in run_import(GOOD).stderr  # the same file again: nothing to say


@pytest.mark.parametrize(("text", "value", "reason"), [
    ("300", Decimal("300"), None),
    ("-20.5", Decimal("-20.50"), None),
    (" 12.50 ", Decimal("12.50"), None),
    (".5", Decimal("0.50"), None),
    ("12.500", Decimal("12.50"), None),
    ("999999999999.99", Decimal("999999999999.99"), None),
    ("1000000000000.00", None, "amount '1000000000000.00' is too large"),
    ("12.345", None, "amount '12.345' has more than two decimal places"),
    ("1,200.00", None, "amount '1,200.00' is not a number (write it like 1234.56 or -20.00, without separators)"),
    ("", None, "amount is missing"),
])
def test_amounts_are_read_exactly_or_refused_with_the_reason(text, value, reason):
    from marketplace.impact.spend_reader import parse_amount

    parsed, why = parse_amount(text)
    assert (parsed, why) == (value, reason)
