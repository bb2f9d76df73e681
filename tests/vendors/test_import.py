"""`flask vendors import`: every bad line reported, all or nothing, re-import adds nothing, --verified."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.impact.models import ImportBatch
from marketplace.vendors.import_rows import COLUMNS
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

NOW = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)
HEADER = ",".join(COLUMNS)
GOOD = f"""{HEADER}
Rivera Plumbing LLC,Rivera Pipes,12-3456789,Office@RiveraPipes.example.com,100 Las Olas Blvd,Fort Lauderdale,FL,33301,238220;561720,MBE,Florida OSD,MBE-1,2025-01-15,2027-01-14
Rivera Plumbing LLC,Rivera Pipes,12-3456789,office@riverapipes.example.com,100 Las Olas Blvd,Fort Lauderdale,FL,33301,238220;561720,SBE,Broward County,SBE-9,2025-06-01,2026-05-31
"Sunshine Cleaning, Inc.",,,,200 SW 8th Street,Miami,FL,33130,561720,,,,,
Sunshine Cleaning Inc,,,,200 SW 8th Street,Miami,FL,33130,,WBE,WBENC,,2024-02-01,2026-02-01
"""


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture(autouse=True)
def _now(frozen_clock, collaborative):
    frozen_clock(NOW)


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "anchor-vendors.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8", newline="")
        return path

    return write


def run(runner, path: Path, *extra: str):
    return runner.invoke(args=["vendors", "import", str(path), *extra])


def test_a_good_file_adds_vendors_addresses_naics_and_pending_certifications(runner, csv_file):
    result = run(runner, csv_file(GOOD))
    assert result.exit_code == 0, result.output
    assert "Vendors added: 2; already known: 0." in result.stdout
    assert "Certifications added (pending): 3; already held: 0." in result.stdout
    assert "Applying" in result.stderr  # the progress bar goes to stderr
    rivera = db.session.scalar(sa.select(Vendor).where(Vendor.ein == "12-3456789"))
    assert (rivera.legal_name, rivera.dba, rivera.contact_email) == (
        "Rivera Plumbing LLC", "Rivera Pipes", "office@riverapipes.example.com")
    assert rivera.normalized_name == "rivera plumbing"
    [address] = rivera.addresses
    assert (address.kind, address.zip, address.county, address.effective_from, address.effective_to) == (
        "principal", "33301", "Broward County", None, None)
    assert [(n.code, n.is_primary) for n in rivera.naics_codes] == [("238220", True), ("561720", False)]
    assert sorted((c.type, c.status, c.number) for c in rivera.certifications) == [
        ("MBE", "pending", "MBE-1"), ("SBE", "pending", "SBE-9")]
    sunshine = db.session.scalar(sa.select(Vendor).where(Vendor.legal_name == "Sunshine Cleaning, Inc."))
    assert sunshine.ein is None and [c.type for c in sunshine.certifications] == ["WBE"]
    batch = db.session.scalar(sa.select(ImportBatch))
    assert (batch.kind, batch.filename, batch.rows_total, batch.rows_added) == ("vendors", "anchor-vendors.csv", 4, 4)
    assert len(batch.sha256) == 64
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import.applied"))
    assert event.object_id == str(batch.id) and event.detail["vendors_added"] == 2


def test_every_bad_row_is_reported_with_its_spreadsheet_line_and_nothing_is_applied(runner, csv_file, make_vendor):
    make_vendor(legal_name="Existing Co", normalized_name="existing", ein="98-7654321")
    db.session.commit()  # the command rolls back its own transaction on refusal
    text = f"""{HEADER}
Good Co,,,,1 Main St,Fort Lauderdale,FL,33301,561720,,,,,
No Name Row,,12-34,,1 Main St,Fort Lauderdale,FL,33301,,,,,,
"Two-line
Name Co",,,,PO Box 12,Fort Lauderdale,FL,33301,,,,,,

Other Name,,98-7654321,,1 Main St,Fort Lauderdale,FL,33301,,,,,,
Bad Zip Co,,,,1 Main St,Toronto,ON,M5V 2T6,,,,,,
Unknown Zip Co,,,,1 Main St,Nowhere,FL,00000,,,,,,
Dates Co,,,,1 Main St,Fort Lauderdale,FL,33301,,SBE,Broward,,2026-05-01,2026-04-30
Naics Co,,,,1 Main St,Fort Lauderdale,FL,33301,561720;999999,,,,,
Type Co,,,,1 Main St,Fort Lauderdale,FL,33301,,XBE,Broward,,2025-01-01,2026-01-01
Date Format Co,,,,1 Main St,Fort Lauderdale,FL,33301,,SBE,Broward,,01/02/2025,2026-13-01
,,,,1 Main St,Fort Lauderdale,FL,33301,,,,,,
Same Ein A,,11-1111111,,1 Main St,Fort Lauderdale,FL,33301,,,,,,
Same Ein B,,11-1111111,,1 Main St,Fort Lauderdale,FL,33301,,,,,,
"""
    result = run(runner, csv_file(text))
    assert result.exit_code == 1
    report = result.stderr
    expected = {
        3: "malformed EIN “12-34”",
        4: "is a P.O. box",  # the quoted name spans two physical lines but is one spreadsheet row
        6: "EIN 98-7654321 already belongs to the registered vendor “Existing Co”",
        7: "Addresses outside the United States cannot be used",
        8: "We cannot find ZIP code 00000 in the United States",
        9: "expires (2026-04-30) before it takes effect (2026-05-01)",
        10: "unknown NAICS code “999999”",
        11: "unknown certification type “XBE”",
        12: "certification_effective “01/02/2025” is not a date",
        13: "legal_name is empty.",
        15: "EIN 11-1111111 is given to “Same Ein A” on line 14",
    }
    for line, message in expected.items():
        assert f"Line {line}: " in report and message in report.split(f"Line {line}: ", 1)[1].split("\n")[0], line
    assert "Line 2:" not in report and "Line 5:" not in report and "Line 14:" not in report
    assert "certification_expires “2026-13-01” is not a date" in report
    assert "Nothing was imported" in report
    assert count(Vendor) == 1 and count(ImportBatch) == 0 and count(VendorAddress) == 0


def test_a_disabled_certification_type_is_refused(runner, csv_file, collaborative):
    collaborative.enabled_certification_types = ["SBE", "employee_owned"]
    db.session.flush()
    text = f"{HEADER}\nA Co,,,,1 Main St,Fort Lauderdale,FL,33301,,MBE,State,,2025-01-01,2026-01-01\n"
    result = run(runner, csv_file(text))
    assert result.exit_code == 1 and "Line 2: certification type MBE is disabled" in result.stderr


def test_reimporting_the_same_file_adds_nothing(runner, csv_file):
    path = csv_file(GOOD)
    assert run(runner, path).exit_code == 0
    before = (count(Vendor), count(VendorAddress), count(VendorNaics), count(Certification))
    again = run(runner, path)
    assert again.exit_code == 0, again.output
    assert "Vendors added: 0; already known: 2." in again.stdout
    assert "Certifications added (pending): 0; already held: 3." in again.stdout
    assert "The same file was applied before" in again.stdout
    assert (count(Vendor), count(VendorAddress), count(VendorNaics), count(Certification)) == before
    assert db.session.scalars(sa.select(ImportBatch.rows_added).order_by(ImportBatch.id)).all() == [4, 0]


def test_existing_vendors_match_by_normalized_name_and_zip_and_keep_their_profile(runner, csv_file, make_vendor):
    vendor = make_vendor(legal_name="Sunshine Cleaning Inc.", normalized_name="sunshine cleaning", dba="Mine")
    vendor.addresses.append(VendorAddress(kind="principal", line1="9 Other St", city="Miami", state="FL",
                                          zip="33130", county="Miami-Dade County"))
    db.session.flush()
    text = f"{HEADER}\nSUNSHINE CLEANING LLC,Theirs,,,200 SW 8th Street,Miami,FL,33130,561720,SBE,State,,2025-01-01,2027-01-01\n"
    result = run(runner, csv_file(text))
    assert result.exit_code == 0, result.output
    assert "Vendors added: 0; already known: 1." in result.stdout
    db.session.refresh(vendor)
    assert vendor.dba == "Mine" and len(vendor.addresses) == 1 and vendor.naics_codes == []
    assert [(c.type, c.status) for c in vendor.certifications] == [("SBE", "pending")]


def test_extra_columns_are_reported_and_ignored(runner, csv_file):
    text = f"{HEADER},vendor_number,notes\nA Co,,,,1 Main St,Fort Lauderdale,FL,33301,,,,,,,V-100,call first\n"
    result = run(runner, csv_file(text))
    assert result.exit_code == 0, result.output
    assert "Ignored columns: vendor_number, notes." in result.stdout
    assert count(Vendor) == 1


def test_columns_may_come_in_any_order(runner, csv_file):
    columns = list(reversed(COLUMNS))
    values = dict(zip(COLUMNS, ["A Co", "", "", "", "1 Main St", "Fort Lauderdale", "FL", "33301", "561720",
                                "", "", "", "", ""], strict=True))
    text = ",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n"
    assert run(runner, csv_file(text)).exit_code == 0
    assert db.session.scalar(sa.select(VendorAddress.zip)) == "33301"


def test_a_missing_required_column_is_named(runner, csv_file):
    header = ",".join(c for c in COLUMNS if c not in ("zip", "certification_expires"))
    result = run(runner, csv_file(f"{header}\n"))
    assert result.exit_code == 1
    assert "The header lacks the required columns zip, certification_expires." in result.stderr


def test_a_row_with_too_many_cells_is_reported(runner, csv_file):
    text = f"{HEADER}\nAcme, Inc.,,,,1 Main St,Fort Lauderdale,FL,33301,,,,,,\n"
    result = run(runner, csv_file(text))
    assert "Line 2: the row has 15 cells but the header has 14" in result.stderr


def test_a_file_that_is_not_utf8_is_refused(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\nCaf\xe9 Co,,,,1 Main St,Fort Lauderdale,FL,33301,,,,,,\n".encode("latin-1"))
    result = run(runner, path)
    assert result.exit_code == 1 and "not UTF-8" in result.stderr


def test_verified_needs_an_actor(runner, csv_file):
    result = run(runner, csv_file(GOOD), "--verified")
    assert result.exit_code == 1 and "--verified needs --actor EMAIL" in result.stderr
    assert count(Vendor) == 0


def test_the_actor_must_be_a_backbone_user(runner, csv_file, make_user):
    officer = make_user("officer")
    result = run(runner, csv_file(GOOD), "--verified", "--actor", officer.email)
    assert result.exit_code == 1 and "is not a backbone user" in result.stderr
    unknown = run(runner, csv_file(GOOD), "--verified", "--actor", "nobody@example.org")
    assert unknown.exit_code == 1 and "No active user" in unknown.stderr
    assert count(Vendor) == 0


def test_verified_import_records_the_verifier_and_audits_each_certification(runner, csv_file, make_user):
    backbone = make_user("backbone")
    result = run(runner, csv_file(GOOD), "--verified", "--actor", backbone.email.upper())
    assert result.exit_code == 0, result.output
    certs = db.session.scalars(sa.select(Certification)).all()
    assert len(certs) == 3
    assert {(c.status, c.verified_by_id, c.verified_at) for c in certs} == {("verified", backbone.id, NOW)}
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certification.verified")).all()
    assert sorted(int(e.object_id) for e in events) == sorted(c.id for c in certs)
    assert all(e.detail["source"] == "import" and e.actor_user_id == backbone.id for e in events)
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.created_by_id == backbone.id
    applied = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import.applied"))
    assert applied.actor_user_id == backbone.id and applied.detail["certifications_status"] == "verified"


def test_without_verified_an_actor_is_still_recorded(runner, csv_file, make_user):
    backbone = make_user("backbone")
    assert run(runner, csv_file(GOOD), "--actor", backbone.email).exit_code == 0
    assert db.session.scalar(sa.select(ImportBatch.created_by_id)) == backbone.id
    assert set(db.session.scalars(sa.select(Certification.status))) == {"pending"}


def test_rows_of_one_vendor_must_agree(runner, csv_file):
    text = f"""{HEADER}
A Co,,12-3456789,,1 Main St,Fort Lauderdale,FL,33301,561720,,,,,
A Co,,12-3456789,,9 Other St,Miami,FL,33130,561730,,,,,
"""
    result = run(runner, csv_file(text))
    assert "Line 3: this row is the same vendor as line 2 but its address, naics_codes differ" in result.stderr


def test_an_expired_certification_is_kept_as_history(runner, csv_file):
    text = f"{HEADER}\nA Co,,,,1 Main St,Fort Lauderdale,FL,33301,,SBE,State,,2020-01-01,2021-01-01\n"
    assert run(runner, csv_file(text)).exit_code == 0
    cert = db.session.scalar(sa.select(Certification))
    assert cert.effective_status(date(2026, 3, 15)) == "expired"


def test_imported_vendors_are_queued_for_the_search_index(runner, csv_file):
    from marketplace.search.models import SearchIndexEvent

    assert run(runner, csv_file(GOOD)).exit_code == 0
    imported = set(db.session.scalars(sa.select(Vendor.id)))
    queued = set(db.session.scalars(sa.select(SearchIndexEvent.object_id).where(
        SearchIndexEvent.doc_type == "vendor", SearchIndexEvent.op == "upsert")))
    assert len(imported) == 2 and imported <= queued
