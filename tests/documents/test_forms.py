"""The document field states its limits; storing it maps refusals to the field."""
from __future__ import annotations

import io

import pytest
from flask_wtf import FlaskForm

from marketplace.documents.forms import DocumentField, store_field_upload
from tests.documents.samples import exe_bytes, pdf_bytes


class EvidenceForm(FlaskForm):
    evidence = DocumentField("Certificate")


@pytest.fixture
def vendor_user(make_user):
    return make_user("vendor")


def form_with(app, data: dict):
    context = app.test_request_context("/", method="POST", data=data, content_type="multipart/form-data")
    context.push()
    return context, EvidenceForm()


def test_field_hint_states_types_and_limit(app):
    context, form = form_with(app, {})
    try:
        assert form.evidence.description == "PDF, PNG or JPEG, up to 10 MB."
        assert 'accept=".pdf,.png,.jpg,.jpeg' in form.evidence()
    finally:
        context.pop()


def test_valid_file_is_stored(app, vendor_user):
    context, form = form_with(app, {"evidence": (io.BytesIO(pdf_bytes()), "w9.pdf")})
    try:
        assert form.validate()
        document = store_field_upload(form.evidence, uploaded_by=vendor_user, vendor_id=vendor_user.vendor_id)
        assert document is not None and document.filename == "w9.pdf"
        assert form.evidence.errors == []
    finally:
        context.pop()


def test_refused_file_puts_the_reason_on_the_field(app, vendor_user):
    context, form = form_with(app, {"evidence": (io.BytesIO(exe_bytes()), "w9.pdf")})
    try:
        form.validate()
        assert store_field_upload(form.evidence, uploaded_by=vendor_user) is None
        assert form.evidence.errors == [
            "This file is a program, not a document. Only PDF, PNG or JPEG files can be uploaded."
        ]
    finally:
        context.pop()


def test_missing_file_is_reported_when_required(app, vendor_user):
    context, form = form_with(app, {})
    try:
        form.validate()
        assert store_field_upload(form.evidence, uploaded_by=vendor_user) is None
        assert form.evidence.errors == ["Choose a file to upload."]
        form.evidence.errors = []
        assert store_field_upload(form.evidence, uploaded_by=vendor_user, required=False) is None
        assert form.evidence.errors == []
    finally:
        context.pop()
