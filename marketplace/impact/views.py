"""Officer pages: upload a spend extract, and link unmatched spend lines to vendors."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.access import roles
from marketplace.errors import DomainError
from marketplace.impact import bp, services
from marketplace.impact.forms import LinkForm, SpendUploadForm, VendorSearchForm
from marketplace.impact.matching import Candidate, search_vendors
from marketplace.impact.spend_import import ImportRejected, describe, import_spend, warnings


def _institution():
    return current_user.institution


@bp.route("/impact/import", methods=["GET", "POST"])
@roles("officer")
def spend_import():
    """Upload an ERP/AP extract for the officer's institution: every row applies or none does."""
    form = SpendUploadForm()
    problems: list = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [*form.file.errors, "Choose a CSV or XLSX file to upload."]
            status = 422
        else:
            data = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
            if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
                form.file.errors = [*form.file.errors, "The file is too large."]
                status = 422
            else:
                try:
                    result = import_spend(_institution(), upload.filename, data, actor=current_user,
                                          allow_new_categories=form.allow_new_categories.data)
                except ImportRejected as rejected:
                    problems, status = rejected.problems, 422
                else:
                    for line in describe(result):
                        flash(line, "success")
                    for line in warnings(result):
                        flash(line, "warning")
                    return redirect(url_for(".spend_import"))
    elif form.is_submitted():
        status = 422
    return render_template("impact/import.html", form=form, problems=problems,
                           batches=services.recent_batches(current_user.institution_id)), status


@bp.route("/impact/unmatched")
@roles("officer")
def unmatched():
    """List the institution's ambiguous and unmatched spend lines, with candidate vendors."""
    page = request.args.get("page", 1, type=int) or 1
    search = VendorSearchForm(request.args)
    found = search_vendors(search.q.data) if search.validate() and search.q.data else []
    queue = services.review_queue(current_user.institution_id, page)
    searched = [Candidate(v.id, v.legal_name, 0.0, "found by search") for v in found]
    options_for = {
        line.id: queue.candidates[line.id]
        + [c for c in searched if c.vendor_id not in {o.vendor_id for o in queue.candidates[line.id]}]
        for line in queue.lines
    }
    return render_template("impact/unmatched.html", queue=queue, search=search, found=found,
                           options_for=options_for)


@bp.route("/impact/unmatched/<int:line_pk>/link", methods=["POST"])
@roles("officer")
def link(line_pk: int):
    """Link one spend line (and, if asked, the same payee's other open lines) to a vendor."""
    line = services.get_open_line(current_user.institution_id, line_pk)
    form = LinkForm()
    if not form.validate_on_submit() or not (form.vendor_id.data or "").isdigit():
        raise DomainError("Choose a vendor to link the line to.")
    lines = services.link_line(line, int(form.vendor_id.data), actor=current_user,
                               same_payee=form.same_payee.data)
    flash(f"Linked {len(lines)} line(s) paid to {line.vendor_name} to {lines[0].vendor.legal_name}.", "success")
    return redirect(url_for(".unmatched", page=request.args.get("page", 1, type=int)))
