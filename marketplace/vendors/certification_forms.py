"""Forms for certifications: a vendor's claim, its renewal, its document, and the backbone's decisions."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.documents.forms import DocumentField
from marketplace.vendors.certifications import CertificationInput, type_label
from marketplace.vendors.eligibility import enabled_types


class _ClaimFields(FlaskForm):
    """The fields every claim has, whatever its type."""

    agency = StringField("Certifying agency", validators=[DataRequired(message="Enter the agency that issued the certificate."),
                                                          Length(max=200)])
    number = StringField("Certificate number", validators=[Optional(), Length(max=100)])
    effective_on = DateField("Effective date", validators=[InputRequired(message="Enter the date the certificate took effect.")])
    expires_on = DateField("Expiry date", validators=[InputRequired(message="Enter the date the certificate expires.")])
    document = DocumentField("Certificate document")
    request_verification = BooleanField("Ask the backbone organization to verify it now (needs the document)")

    def validate_expires_on(self, field: DateField) -> None:
        """An expiry before the effective date is a mistake in the expiry field."""
        if field.data and self.effective_on.data and field.data < self.effective_on.data:
            raise ValidationError("The expiry date must be on or after the effective date.")

    def validate_document(self, field: DocumentField) -> None:
        """Verification needs the certificate: refuse the request without a file."""
        if self.request_verification.data and not getattr(field.data, "filename", ""):
            raise ValidationError("Upload the certificate document to ask for verification.")

    def to_input(self, type_: str) -> CertificationInput:
        """The service input."""
        return CertificationInput(type=type_, agency=(self.agency.data or "").strip(),
                                  number=(self.number.data or "").strip() or None,
                                  effective_on=self.effective_on.data, expires_on=self.expires_on.data)


class CertificationForm(_ClaimFields):
    """A new certification; only the collaborative's enabled types can be chosen."""

    type = SelectField("Certification type", validate_choice=False,
                       validators=[InputRequired(message="Choose the certification type.")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [("", "- Select -")] + [(t, type_label(t)) for t in enabled_types()]

    def validate_type(self, field: SelectField) -> None:
        """Refuse types the collaborative has not enabled (or that do not exist)."""
        if field.data not in enabled_types():
            raise ValidationError("Choose a certification type the collaborative uses.")


class RenewalForm(_ClaimFields):
    """The next certificate of the same type and agency (pre-filled from the one it renews)."""


class DocumentForm(FlaskForm):
    """Attach or replace the certificate document."""

    document = DocumentField("Certificate document")


class RejectForm(FlaskForm):
    """Reject a claim; the reason is emailed to the vendor."""

    reason = TextAreaField("Reason for rejecting", validators=[
        DataRequired(message="Give the reason; the vendor will read it."), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that changes state (carries the CSRF token only)."""
