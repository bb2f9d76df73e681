"""Certification pages: the vendor's claims and renewals, and the backbone's verification queue."""
from __future__ import annotations

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from marketplace import clock
from marketplace.access import roles
from marketplace.documents import services as documents
from marketplace.documents.forms import store_field_upload
from marketplace.errors import DomainError, NotFound
from marketplace.forms import apply_domain_error
from marketplace.vendors import bp
from marketplace.vendors import certifications as certs
from marketplace.vendors.certification_forms import (
    ActionForm,
    CertificationForm,
    DocumentForm,
    RejectForm,
    RenewalForm,
)
from marketplace.vendors.models import Certification

PREVIEW_TYPES = ("image/png", "image/jpeg")


def _helpers() -> dict:
    return dict(type_label=certs.type_label, status_label=certs.status_label, today=clock.utcnow().date(),
                preview_types=PREVIEW_TYPES, size=documents.format_size, action_form=ActionForm())


def _own(cert_id: int) -> Certification:
    return certs.get_own(cert_id, current_user.vendor_id)


def _save_claim(form, type_: str, renews: Certification | None):
    """Store the document and the claim; return the certification, or None with errors on the form."""
    document = store_field_upload(form.document, uploaded_by=current_user, vendor_id=current_user.vendor_id,
                                  required=False)
    if form.document.errors:
        return None
    now = clock.utcnow()
    data = form.to_input(type_)
    try:
        if renews is None:
            cert = certs.add(current_user.vendor, data, actor=current_user, now=now, document=document)
        else:
            cert = certs.renew(renews, data, actor=current_user, now=now, document=document)
        if form.request_verification.data:
            certs.request_verification(cert, actor=current_user, now=now)
    except DomainError as error:
        if not apply_domain_error(form, error):
            raise
        return None
    return cert


def _saved_message(cert: Certification, verb: str) -> str:
    if cert.status == "pending":
        return f"{verb} your {cert.type} certification and asked the backbone organization to verify it."
    if cert.document_id is None:
        return f"{verb} your {cert.type} certification. Upload the certificate document to ask for verification."
    return f"{verb} your {cert.type} certification. Ask for verification when you are ready."


@bp.route("/vendor/certifications")
@roles("vendor")
def certifications():
    """List the business's certifications with their status today, and their history."""
    listing = certs.for_vendor(current_user.vendor_id)
    return render_template("vendors/certifications.html", listing=listing, **_helpers())


@bp.route("/vendor/certifications/new", methods=["GET", "POST"])
@roles("vendor")
def certification_new():
    """Add a certification (self-attested until verification is requested and granted)."""
    form = CertificationForm()
    if form.validate_on_submit():
        cert = _save_claim(form, form.type.data, None)
        if cert is not None:
            flash(_saved_message(cert, "We added"), "success")
            return redirect(url_for(".certifications", _anchor=f"cert-{cert.id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("vendors/certifications_new.html", form=form, **_helpers()), status


@bp.route("/vendor/certifications/<int:cert_id>")
@roles("vendor")
def certification_detail(cert_id: int):
    """Show one certification: its fields, document, decision and renewal history."""
    cert = _own(cert_id)
    return render_template("vendors/certifications_detail.html", cert=cert, chain=_chain(cert),
                           renewed_by=certs.renewal_of(cert), document_form=DocumentForm(), **_helpers())


def _chain(cert: Certification) -> list[Certification]:
    """The certifications this one renews, newest first."""
    chain, seen = [], {cert.id}
    previous = cert
    while previous.renews_id is not None and previous.renews_id not in seen:
        previous = certs.get_own(previous.renews_id, cert.vendor_id)
        seen.add(previous.id)
        chain.append(previous)
    return chain


@bp.route("/vendor/certifications/<int:cert_id>/document", methods=["POST"])
@roles("vendor")
def certification_attach_document(cert_id: int):
    """Attach or replace the certificate document before asking for verification."""
    cert = _own(cert_id)
    form = DocumentForm()
    if form.validate_on_submit():
        document = store_field_upload(form.document, uploaded_by=current_user, vendor_id=cert.vendor_id)
        if document is not None:
            certs.attach_document(cert, document, actor=current_user, now=clock.utcnow())
            flash("The document is attached. You can now ask for verification.", "success")
            return redirect(url_for(".certification_detail", cert_id=cert.id))
    return render_template("vendors/certifications_detail.html", cert=cert, chain=_chain(cert),
                           renewed_by=certs.renewal_of(cert), document_form=form, **_helpers()), 422


@bp.route("/vendor/certifications/<int:cert_id>/request-verification", methods=["POST"])
@roles("vendor")
def certification_request_verification(cert_id: int):
    """Send a self-attested certification to the backbone's verification queue."""
    cert = _own(cert_id)
    if ActionForm().validate_on_submit():
        certs.request_verification(cert, actor=current_user, now=clock.utcnow())
        flash(f"Your {cert.type} certification is waiting for verification. We will email you the decision.",
              "success")
    return redirect(url_for(".certifications", _anchor=f"cert-{cert.id}"))


@bp.route("/vendor/certifications/<int:cert_id>/withdraw", methods=["POST"])
@roles("vendor")
def certification_withdraw(cert_id: int):
    """Withdraw a certification; it stays in the history."""
    cert = _own(cert_id)
    if ActionForm().validate_on_submit():
        certs.withdraw(cert, actor=current_user, now=clock.utcnow())
        flash(f"Your {cert.type} certification from {cert.agency} is withdrawn. It stays in your history.",
              "success")
    return redirect(url_for(".certifications"))


@bp.route("/vendor/certifications/<int:cert_id>/renew", methods=["GET", "POST"])
@roles("vendor")
def certification_renew(cert_id: int):
    """Add the next certificate of the same type; the old one moves to the history."""
    old = _own(cert_id)
    form = RenewalForm()
    if not form.is_submitted():
        form.agency.data = old.agency
    if form.validate_on_submit():
        cert = _save_claim(form, old.type, old)
        if cert is not None:
            flash(_saved_message(cert, "We renewed"), "success")
            return redirect(url_for(".certifications", _anchor=f"cert-{cert.id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("vendors/certifications_renew.html", form=form, old=old, **_helpers()), status


# --- backbone ---------------------------------------------------------------------------


def _queue_page(failed: tuple[int, RejectForm] | None = None, status: int = 200):
    queue = certs.pending_queue()
    reject_forms = {cert.id: RejectForm(prefix=f"c{cert.id}", formdata=None) for cert, _ in queue}
    if failed is not None:
        reject_forms[failed[0]] = failed[1]
    return render_template("vendors/verification_queue.html", queue=queue, reject_forms=reject_forms,
                           **_helpers()), status


@bp.route("/backbone/verifications")
@roles("backbone")
def verification_queue():
    """List claims waiting for verification, longest-waiting first, each beside its document."""
    return _queue_page()


@bp.route("/backbone/verifications/<int:cert_id>/verify", methods=["POST"])
@roles("backbone")
def verification_verify(cert_id: int):
    """Verify a pending claim; the vendor is emailed."""
    cert = certs.get(cert_id)
    if ActionForm().validate_on_submit():
        certs.verify(cert, actor=current_user, now=clock.utcnow())
        flash(f"Verified the {cert.type} certification of {cert.vendor.legal_name}.", "success")
    return redirect(url_for(".verification_queue"))


@bp.route("/backbone/verifications/<int:cert_id>/reject", methods=["POST"])
@roles("backbone")
def verification_reject(cert_id: int):
    """Reject a pending claim with a reason; the vendor is emailed."""
    cert = certs.get(cert_id)
    form = RejectForm(prefix=f"c{cert.id}")
    if not form.validate_on_submit():
        certs.ensure_pending(cert, "reject")
        return _queue_page((cert.id, form), 422)
    try:
        certs.reject(cert, form.reason.data, actor=current_user, now=clock.utcnow())
    except DomainError as error:
        if error.errors and apply_domain_error(form, error):
            return _queue_page((cert.id, form), 422)
        raise
    flash(f"Rejected the {cert.type} certification of {cert.vendor.legal_name}. The vendor was told why.",
          "success")
    return redirect(url_for(".verification_queue"))


@bp.route("/backbone/verifications/<int:cert_id>/document")
@roles("backbone")
def certification_document_preview(cert_id: int):
    """Serve a claim's PNG or JPEG certificate inline, for the preview beside the claim."""
    cert = certs.get(cert_id)
    document = cert.document
    if document is None or document.content_type not in PREVIEW_TYPES:
        raise NotFound("This certification has no image to preview.")
    response = send_file(documents.open_document(document), mimetype=document.content_type,
                         as_attachment=False, download_name=document.filename, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
