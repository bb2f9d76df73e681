"""The vendor directory for officers and the backbone, its CSV export, and the bulk vendor import page."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField

from marketplace import clock
from marketplace.access import roles
from marketplace.errors import DomainError, error_response
from marketplace.vendors import bp, directory, importer
from marketplace.vendors.certifications import type_label
from marketplace.vendors.directory import DirectoryQuery, DirectoryRow, FilterError
from marketplace.vendors.eligibility import enabled_types
from marketplace.vendors.import_rows import COLUMNS, ImportRefused

# The export's columns, in order. Business contact points only (what a directory is for); never
# a person's name, the street address, the EIN or any document.
EXPORT_COLUMNS = (
    "vendor_id", "legal_name", "dba", "website", "business_email", "business_phone", "city", "state",
    "county", "local", "local_rule", "primary_naics", "naics_codes", "certifications", "profile_url",
)
FILTER_ARGS = ("naics", "type", "unverified", "local", "institution", "county", "q", "sort")


class VendorImportForm(FlaskForm):
    """The vendor-list upload."""

    file = FileField("Vendor list (CSV file)", validators=[
        FileRequired("Choose the CSV file to import."),
        FileAllowed(["csv", "txt"], "Upload a .csv file (in Excel: Save As, CSV UTF-8)."),
    ])
    verified = BooleanField("Record the certifications as verified by me (I have checked them)")


def _officer_institution() -> Any:
    return current_user.institution if current_user.role == "officer" else None


def _kept_filters() -> dict[str, list[str]]:
    """The current filters, for pagination and export links."""
    return {name: values for name in FILTER_ARGS if (values := [v for v in request.args.getlist(name) if v])}


def _context(query: DirectoryQuery | None) -> dict[str, Any]:
    rule = query.rule if query else None
    institution = query.rule_institution if query else _officer_institution()
    return dict(
        args=request.args, types=[(t, type_label(t)) for t in enabled_types()], sorts=directory.SORTS,
        counties=directory.county_choices(), institutions=directory.institution_choices()
        if current_user.role == "backbone" else [], officer_institution=_officer_institution(),
        rule_name=rule.name if rule else None, rule_owner=institution.name if institution else "the collaborative",
        show_endpoint="vendors.show" in current_app.view_functions, kept=_kept_filters(),
        type_label=type_label, any_type=directory.ANY_TYPE,
    )


@bp.route("/directory", endpoint="directory")
@roles("officer", "backbone")
def directory_page():
    """Find vendors by NAICS, certification, locality, county and name; 25 a page."""
    try:
        query = directory.parse_filters(request.args, officer_institution=_officer_institution())
    except FilterError as error:
        return render_template("vendors/directory.html", results=None, query=None, errors=error.errors,
                               **_context(None)), 400
    results = directory.search(query)
    return render_template("vendors/directory.html", results=results, query=query, errors={}, **_context(query))


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_row(row: DirectoryRow, query: DirectoryQuery, profile_base: str | None) -> list[Any]:
    vendor = row.vendor
    primary = next((code for code, _, is_primary in row.naics if is_primary), "")
    certs = ";".join(f"{c.type}:{c.status}:{c.expires_on.isoformat()}" for c in row.certifications)
    local = "" if row.is_local is None else ("yes" if row.is_local else "no")
    return [vendor.id, vendor.legal_name, vendor.dba, vendor.website, vendor.contact_email, vendor.contact_phone,
            row.city, row.state, row.county, local, query.rule.name if query.rule else "",
            primary, ";".join(code for code, _, _ in row.naics), certs,
            f"{profile_base}{vendor.id}" if profile_base else ""]


@bp.route("/directory.csv")
@roles("officer", "backbone")
def directory_export():
    """Download every vendor matching the current filters as CSV (all pages)."""
    try:
        query = directory.parse_filters(request.args, officer_institution=_officer_institution())
    except FilterError as error:
        return error_response(400, " ".join(m for ms in error.errors.values() for m in ms), error.errors)
    base = current_app.config["BASE_URL"].rstrip("/")
    profile_base = f"{base}/vendors/" if "vendors.show" in current_app.view_functions else None

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in directory.iter_rows(query):
            writer.writerow([_csv_cell(v) for v in _export_row(row, query, profile_base)])
            if buffer.tell() > 32_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = f"vendor-directory-{query.today.isoformat()}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/backbone/vendor-import", methods=["GET", "POST"])
@roles("backbone")
def import_upload():
    """Upload an anchor's vendor list; every row is checked first, then all apply or none."""
    form = VendorImportForm()
    context: dict[str, Any] = dict(form=form, columns=COLUMNS, result=None, refused=None)
    if not form.validate_on_submit():
        return render_template("vendors/import.html", **context), 422 if form.is_submitted() else 200
    upload = form.file.data
    try:
        result = importer.import_vendors(upload.read(), upload.filename or "upload.csv", actor=current_user,
                                         verified=bool(form.verified.data), now=clock.utcnow())
    except ImportRefused as refused:
        return render_template("vendors/import.html", **dict(context, refused=refused)), 422
    except DomainError as error:
        form.file.errors = [*form.file.errors, error.message]
        return render_template("vendors/import.html", **context), 422
    return render_template("vendors/import_result.html", result=result)


@bp.route("/backbone/vendor-import/template.csv")
@roles("backbone")
def import_template():
    """Download an empty vendor list with the header and one example row."""
    return Response(importer.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="vendor-import-template.csv"'})
