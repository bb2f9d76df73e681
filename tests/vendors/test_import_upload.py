"""The backbone's vendor-import page: the same line-by-line report, nothing applied on error, counts on success."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace import db
from marketplace.impact.models import ImportBatch
from marketplace.vendors.import_rows import COLUMNS
from marketplace.vendors.models import Certification, Vendor

HEADER = ",".join(COLUMNS)
GOOD = (f"{HEADER}\n"
        "Rivera Plumbing LLC,,12-3456789,,100 Las Olas Blvd,Fort Lauderdale,FL,33301,238220,MBE,Florida OSD,M-1,"
        "2025-01-15,2027-01-14\n"
        "Rivera Plumbing LLC,,12-3456789,,100 Las Olas Blvd,Fort Lauderdale,FL,33301,238220,SBE,Broward,S-2,"
        "2025-01-15,2027-01-14\n")
BAD = (f"{HEADER}\n"
       "Good Co,,,,1 Main St,Fort Lauderdale,FL,33301,,,,,,\n"
       "Bad Co,,,,P.O. Box 7,Fort Lauderdale,FL,33301,,,,,,\n"
       "Worse Co,,,,1 Main St,Fort Lauderdale,FL,33301,12345,,,,,\n")


@pytest.fixture
def backbone(make_user, login, collaborative):
    user = make_user("backbone")
    login(user)
    return user


def upload(client, text: str, **fields):
    data = {"file": (io.BytesIO(text.encode()), "vendors.csv"), **fields}
    return client.post("/backbone/vendor-import", data=data, content_type="multipart/form-data")


def test_the_page_shows_the_format(client, backbone):
    page = client.get("/backbone/vendor-import").get_data(as_text=True)
    assert HEADER in page and "Check and import" in page


def test_a_good_upload_applies_and_shows_counts(client, backbone):
    response = upload(client, GOOD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vendors added</dt><dd>1</dd>" in page
    assert "Certifications added (pending verification)</dt><dd>2</dd>" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 1
    batch = db.session.scalar(sa.select(ImportBatch))
    assert (batch.filename, batch.created_by_id, batch.rows_total) == ("vendors.csv", backbone.id, 2)


def test_a_verified_upload_is_recorded_as_verified_by_the_uploader(client, backbone):
    assert upload(client, GOOD, verified="y").status_code == 200
    rows = db.session.execute(sa.select(Certification.status, Certification.verified_by_id)).all()
    assert set(rows) == {("verified", backbone.id)}


def test_a_bad_upload_lists_every_bad_line_and_applies_nothing(client, backbone):
    response = upload(client, BAD)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "<th scope=\"row\">3</th><td>address_line1 “P.O. Box 7” is a P.O. box" in page
    assert "<th scope=\"row\">4</th><td>unknown NAICS code “12345”" in page
    assert "<th scope=\"row\">2</th>" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_a_missing_column_is_named_on_the_page(client, backbone):
    header = ",".join(c for c in COLUMNS if c != "legal_name")
    page = upload(client, f"{header}\n").get_data(as_text=True)
    assert "lacks the required column legal_name" in page


def test_uploading_without_a_file_asks_for_one(client, backbone):
    response = client.post("/backbone/vendor-import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV file to import." in response.get_data(as_text=True)


def test_the_template_download_is_a_valid_import(client, backbone):
    template = client.get("/backbone/vendor-import/template.csv").get_data(as_text=True)
    assert template.startswith(HEADER)
    assert upload(client, template).status_code == 200


@pytest.mark.parametrize("role", ["vendor", "officer"])
def test_only_the_backbone_may_import(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/backbone/vendor-import").status_code == 403
    assert upload(client, GOOD).status_code == 403
