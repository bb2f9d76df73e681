"""The bid form. It has no field for the vendor or the receipt time: those come from the login and the clock."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectMultipleField, StringField, TextAreaField, ValidationError, widgets
from wtforms.validators import DataRequired, Length, Optional

from marketplace.documents.forms import ACCEPT

MAX_FILES = 10


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (rendered by the `field` macro as a USWDS fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BidForm(FlaskForm):
    """Amount, narrative and documents of a bid (new or revised)."""

    amount = StringField("Bid amount (US dollars)", validators=[DataRequired(message="Enter the amount.")],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    narrative = TextAreaField("Narrative", validators=[Optional(), Length(max=20000)])
    keep_documents = MultiCheckboxField("Keep these documents from your current version", coerce=int,
                                        choices=[], validate_choice=True)
    documents = MultipleFileField("Documents", render_kw={"accept": ACCEPT, "multiple": True})

    def validate_documents(self, field) -> None:
        """At most MAX_FILES files per submission."""
        chosen = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        if len(chosen) > MAX_FILES:
            raise ValidationError(f"Attach at most {MAX_FILES} files at a time.")


class ConfirmForm(FlaskForm):
    """A confirmation POST (withdrawal): only the CSRF token."""
