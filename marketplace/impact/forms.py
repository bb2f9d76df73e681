"""Forms for the spend upload page and the review queue."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional


class SpendUploadForm(FlaskForm):
    """An ERP/AP extract to import."""

    file = FileField("Spend extract (CSV or XLSX)", render_kw={
        "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    allow_new_categories = BooleanField("Add spend categories we do not know yet, as addressable")


class LinkForm(FlaskForm):
    """Tie a spend line to a registered vendor."""

    vendor_id = HiddenField("Vendor", validators=[DataRequired(message="Choose a vendor.")])
    same_payee = BooleanField("Also link the other open lines with this payee name and ZIP", default=True)


class VendorSearchForm(FlaskForm):
    """Find a vendor by name, DBA or EIN."""

    class Meta:
        csrf = False

    q = StringField("Find a vendor by name, DBA or EIN", validators=[Optional(), Length(max=200)])
