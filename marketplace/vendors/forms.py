"""Forms for the vendor registration steps and profile sections (the services hold the rules)."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from marketplace.errors import DomainError
from marketplace.forms import apply_domain_error as _apply_domain_error
from marketplace.institutions import region
from marketplace.naics import catalog
from marketplace.naics.forms import NaicsCodes, NaicsPrimary
from marketplace.vendors.profile import MAX_CAPABILITY_LENGTH, MAX_EMPLOYEES, REVENUE_LABELS
from marketplace.vendors.models import REVENUE_BANDS

# A date that does not parse gets a plain message instead of WTForms' "Not a valid date value."
DATE_MESSAGE = "Enter a date like 2025-03-01."


class IdentityForm(FlaskForm):
    """Step 1: who the business is and whom buyers contact."""

    legal_name = StringField("Legal business name", render_kw={"autocomplete": "organization"}, validators=[
        DataRequired("Enter the business's legal name."), Length(max=255)])
    dba = StringField("Other name you use (DBA)", validators=[Optional(), Length(max=255)])
    ein = StringField("EIN (federal tax ID)", render_kw={"inputmode": "numeric", "autocomplete": "off"}, validators=[Optional(), Length(max=20)])
    website = StringField("Website", render_kw={"inputmode": "url", "autocomplete": "url"}, validators=[Optional(), Length(max=255)])
    contact_name = StringField("Contact person", render_kw={"autocomplete": "name"}, validators=[
        DataRequired("Enter the name of the person buyers should contact."), Length(max=200)])
    contact_email = EmailField("Contact email", render_kw={"autocomplete": "email"}, validators=[
        DataRequired("Enter an email address, like name@example.com."), Length(max=254)])
    contact_phone = TelField("Contact phone", render_kw={"autocomplete": "tel"}, validators=[
        DataRequired("Enter a phone number with area code, like 305-555-0123."), Length(max=40)])
    year_established = IntegerField("Year the business started", validators=[Optional()], widget=TextInput(),
                                    render_kw={"inputmode": "numeric", "autocomplete": "off"},
                                    invalid_value_message="Enter a year with 4 digits, like 2015.")

    def service_args(self) -> dict[str, Any]:
        """The values as `profile.update_identity` takes them."""
        return {name: self[name].data for name in (
            "legal_name", "dba", "ein", "website", "contact_name", "contact_email", "contact_phone",
            "year_established")}


class _AddressFields(FlaskForm):
    line1 = StringField("Street address", render_kw={"autocomplete": "address-line1"}, validators=[DataRequired("Enter the street address, like 100 Main Street."),
                                                       Length(max=200)])
    line2 = StringField("Suite, unit or floor (optional)", render_kw={"autocomplete": "address-line2"}, validators=[Optional(), Length(max=200)])
    city = StringField("City", render_kw={"autocomplete": "address-level2"}, validators=[DataRequired("Enter the city."), Length(max=100)])
    state = SelectField("State", validators=[InputRequired("Choose the state.")])
    zip = StringField("ZIP code", render_kw={"inputmode": "numeric", "autocomplete": "postal-code"}, validators=[DataRequired("Enter the 5-digit ZIP code."), Length(max=10)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.state.choices = [SelectChoice("", "- Choose -")] + [SelectChoice(s, s) for s in region.states()]

    def address_args(self) -> dict[str, Any]:
        """The address as the services take it."""
        return {"line1": self.line1.data, "line2": self.line2.data, "city": self.city.data,
                "state": self.state.data, "zip_code": self.zip.data}


class PrincipalAddressForm(_AddressFields):
    """The principal place of business: a first address, a move, or a correction."""

    change = RadioField("What changed?", validators=[Optional()], choices=[
        SelectChoice("move", "We moved: this is a new place of business"),
        SelectChoice("correction", "Correct a mistake: same place, fix the spelling or a number"),
    ])
    since = DateField("Since when?", validators=[Optional()], invalid_value_message=DATE_MESSAGE)


class OfficeForm(_AddressFields):
    """Another office (not the principal place of business)."""

    since = DateField("Open since (optional)", validators=[Optional()], invalid_value_message=DATE_MESSAGE)


class CloseOfficeForm(FlaskForm):
    """The last day an office was open."""

    last_day = DateField("Last day at this office", validators=[InputRequired(DATE_MESSAGE)],
                         invalid_value_message=DATE_MESSAGE)


class NaicsForm(FlaskForm):
    """Step 3: NAICS codes and the capability statement."""

    naics_codes = StringField("Your NAICS codes", validators=[NaicsCodes(max_codes=25, required=True)])
    primary_naics = StringField("Main (primary) code", validators=[NaicsPrimary("naics_codes")])
    capability_statement = TextAreaField("What does your business do?", validators=[
        DataRequired("Tell buyers in a few sentences what your business does."),
        Length(max=MAX_CAPABILITY_LENGTH, message=f"Keep it under {MAX_CAPABILITY_LENGTH:,} characters.")])

    def service_args(self) -> dict[str, Any]:
        """The values as `profile.set_naics` takes them."""
        return {"codes": catalog.parse_codes(self.naics_codes.data), "primary": self.primary_naics.data,
                "capability_statement": self.capability_statement.data}


class SizeForm(FlaskForm):
    """Step 4: employees and annual revenue."""

    employees = IntegerField("How many people work for the business?", validators=[
        InputRequired("Enter the number of employees, such as 12 (0 if it is only you)."),
        ], widget=TextInput(), render_kw={"inputmode": "numeric", "autocomplete": "off"},
        invalid_value_message="Enter a whole number, such as 12.")
    revenue_band = RadioField("Annual revenue (sales) last year", validators=[
        InputRequired("Choose your annual revenue.")],
        choices=[SelectChoice(band, REVENUE_LABELS[band]) for band in REVENUE_BANDS])

    def validate_employees(self, field: IntegerField) -> None:
        """A count of people: a whole number from 0 up."""
        if field.data is not None and not 0 <= field.data <= MAX_EMPLOYEES:
            raise ValidationError("Enter a whole number, such as 12.")


class FinishForm(FlaskForm):
    """Step 5: confirm and finish."""

    confirm = BooleanField("I confirm this information is true and correct.", validators=[
        DataRequired("Tick the box to confirm the information is correct.")])


def apply_domain_error(form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None) -> bool:
    """Profile forms also show messages for fields they do not have."""
    return _apply_domain_error(form, error, aliases, show_unplaced=True)
