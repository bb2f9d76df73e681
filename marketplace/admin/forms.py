"""Backbone administration forms: institutions, invitations, collaborative settings."""
from __future__ import annotations

import calendar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.institutions.services import MAX_EXTENSION_HOURS, MAX_GRACE_DAYS, timezones
from marketplace.models_common import CERTIFICATION_TYPE_LABELS as TYPE_LABELS
from marketplace.models_common import CERTIFICATION_TYPES, SECTORS

SECTOR_LABELS = {
    "health": "Health",
    "higher_education": "Higher education",
    "k12": "K-12",
    "city": "City",
    "county": "County",
    "other": "Other",
}
MONTHS = [SelectChoice(str(n), calendar.month_name[n]) for n in range(1, 13)]


def lines(text: str | None) -> list[str]:
    """Split a textarea into its non-blank entries (one per line; commas and semicolons also split)."""
    text = (text or "").replace(";", "\n").replace(",", "\n")
    return [line.strip() for line in text.splitlines() if line.strip()]


def timezone_choices() -> list[SelectChoice]:
    """US zones first (most members are there), then every other IANA zone."""
    names = sorted(timezones())
    us = [n for n in names if n.startswith("America/") or n.startswith("Pacific/Honolulu") or n.startswith("US/")]
    return [SelectChoice(n) for n in us] + [SelectChoice(n) for n in names if n not in us]


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (the `field` macro renders it as a USWDS fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InstitutionForm(FlaskForm):
    """Create or edit an institution."""

    name = StringField("Name", validators=[DataRequired(message="Enter the institution's name."), Length(max=200)])
    slug = StringField("Short name (slug)", validators=[DataRequired(message="Enter a slug."), Length(max=60)])
    sector = SelectField("Sector", choices=[SelectChoice(s, SECTOR_LABELS[s]) for s in SECTORS],
                         validators=[InputRequired()])
    timezone = SelectField("Time zone", validators=[InputRequired()], default="America/New_York")
    fiscal_year_start_month = SelectField("Fiscal year starts in", choices=MONTHS, coerce=int, default=7)
    requires_two_openers = BooleanField("Two officers must open bids together")
    addendum_extension_hours = IntegerField(
        "Addendum extension window (hours)", default=72,
        validators=[InputRequired(message="Enter a number of hours."), NumberRange(min=0, max=MAX_EXTENSION_HOURS)],
    )
    local_rule_mode = RadioField(
        "Local rule", default="collaborative",
        choices=[
            SelectChoice("collaborative", "Use the collaborative's region"),
            SelectChoice("own", "Use its own region"),
        ],
    )
    local_counties = TextAreaField("Own region: counties", validators=[Length(max=20000)])
    local_zips = TextAreaField("Own region: extra ZIP codes", validators=[Length(max=20000)])
    nonaddressable = TextAreaField("Non-addressable spend categories", validators=[Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate_local_counties(self, field) -> None:
        """An own region needs at least one county or ZIP."""
        if self.local_rule_mode.data == "own" and not lines(field.data) and not lines(self.local_zips.data):
            raise ValidationError("Enter at least one county or ZIP code for the institution's own region.")


class InviteForm(FlaskForm):
    """Invite someone by email."""

    email = EmailField("Email address", validators=[DataRequired(message="Enter an email address."),
                                                    Email(message="Enter a valid email address."), Length(max=254)])


class SettingsForm(FlaskForm):
    """The collaborative's name, region, certification types and expiry rule."""

    name = StringField("Collaborative name", validators=[DataRequired(message="Enter a name."), Length(max=200)])
    backbone_name = StringField("Backbone organization", validators=[Optional(), Length(max=200)])
    counties = TextAreaField("Region counties", validators=[Length(max=20000)])
    zips = TextAreaField("Extra ZIP codes", validators=[Length(max=20000)])
    enabled_types = MultiCheckboxField(
        "Certification types in use", choices=[SelectChoice(t, TYPE_LABELS[t]) for t in CERTIFICATION_TYPES]
    )
    expiry_rule = RadioField(
        "Certification expiry rule", default="strict",
        choices=[
            SelectChoice("strict", "Strict: valid on the payment date"),
            SelectChoice("fiscal_year", "Fiscal year: valid on at least one day of the payment's fiscal year"),
            SelectChoice("grace_days", "Grace period: valid up to N days after expiry"),
        ],
    )
    grace_days = IntegerField("Grace days", validators=[Optional(), NumberRange(min=0, max=MAX_GRACE_DAYS)])

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields; a grace period also needs its number of days."""
        valid = super().validate(extra_validators)
        if self.expiry_rule.data == "grace_days" and self.grace_days.data is None and not self.grace_days.errors:
            self.grace_days.errors = [*self.grace_days.errors, "Enter the number of grace days."]
            valid = False
        return valid

    def expiry_rule_text(self) -> str:
        """The rule as the service reads it."""
        if self.expiry_rule.data == "grace_days":
            return f"grace:{self.grace_days.data}"
        return self.expiry_rule.data
