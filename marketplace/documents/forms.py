"""Form support for document uploads: a file field that states its limits, and storing it."""
from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_wtf.file import FileField

from marketplace.documents import services
from marketplace.documents.models import Document

ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


class DocumentField(FileField):
    """A file input limited to PDF, PNG or JPEG; its description is the hint to show."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any):
        render_kw = {"accept": ACCEPT, **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        if not self.description and has_app_context():
            self.description = services.upload_hint()


def store_field_upload(
    field: FileField,
    *,
    uploaded_by: Any,
    vendor_id: int | None = None,
    institution_id: int | None = None,
    required: bool = True,
) -> Document | None:
    """Store the field's file; on refusal put the message on the field and return None."""
    file = field.data
    if not file or not getattr(file, "filename", ""):
        if required:
            field.errors = [*field.errors, "Choose a file to upload."]
        return None
    try:
        return services.store_upload(
            file, uploaded_by=uploaded_by, vendor_id=vendor_id, institution_id=institution_id
        )
    except services.UploadRefused as refused:
        field.errors = [*field.errors, refused.message]
        return None
