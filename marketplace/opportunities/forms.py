"""Officer and vendor forms for opportunities. Closing times are entered in the institution's zone."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, DecimalField, EmailField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from marketplace.documents.forms import ACCEPT
from marketplace.errors import DomainError
from marketplace.forms import apply_domain_error as _apply_domain_error
from marketplace.naics import catalog
from marketplace.naics.forms import NaicsCodes
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.services import MAX_VALUE, OpportunityInput
from marketplace.timezones import local_to_utc, utc_to_local

TYPE_LABELS = {"RFP": "Request for proposals (RFP)", "RFQ": "Request for quotes (RFQ)",
               "ITB": "Invitation to bid (ITB)", "informal_quote": "Informal quote"}
SET_ASIDE_LABELS = {"none": "None: open to all vendors", "small": "Small businesses (SBE)",
                    "local": "Local businesses", "mwbe": "Minority- or woman-owned (MWBE)",
                    "diverse": "Diverse businesses"}


def choices(pairs: Any) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# Service error keys -> form field names.
FIELD_ALIASES = {"closes_at": "closes_date", "questions_deadline": "questions_date"}


def apply_domain_error(form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None) -> bool:
    """Place a service's messages, knowing that closing times are split into date and time fields."""
    return _apply_domain_error(form, error, {**FIELD_ALIASES, **(aliases or {})})


def uploaded_files(field: MultipleFileField) -> list[Any]:
    """The files actually chosen in a multiple-file field (browsers send one empty part for none)."""
    return [f for f in (field.data or []) if f and getattr(f, "filename", "")]


def _combine(day: date | None, at: time | None, tz: str, key: str) -> datetime | None:
    if day is None and at is None:
        return None
    if day is None or at is None:
        raise DomainError("Enter both a date and a time.", {key: ["Enter both a date and a time."]})
    try:
        return local_to_utc(datetime.combine(day, at.replace(second=0, microsecond=0)), tz)
    except DomainError as error:
        raise DomainError(error.message, {key: next(iter(error.errors.values()), [error.message])}) from None


class OpportunityForm(FlaskForm):
    """What an officer enters for a draft (and for an addendum, with a note)."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=50000)])
    type = SelectField("Type", choices=choices(TYPE_LABELS.items()), validators=[InputRequired()])
    set_aside = SelectField("Set-aside", choices=choices(SET_ASIDE_LABELS.items()), validators=[InputRequired()])
    naics_codes = StringField("NAICS codes", validators=[Optional(), NaicsCodes(max_codes=10)])
    estimated_value_min = DecimalField("Estimated value, from (dollars)", places=2,
                                       validators=[Optional(), NumberRange(min=0, max=MAX_VALUE)])
    estimated_value_max = DecimalField("Estimated value, up to (dollars)", places=2,
                                       validators=[Optional(), NumberRange(min=0, max=MAX_VALUE)])
    questions_date = DateField("Questions deadline: date", validators=[Optional()])
    questions_time = TimeField("Questions deadline: time", validators=[Optional()])
    closes_date = DateField("Closing date", validators=[InputRequired(message="Enter the closing date.")])
    closes_time = TimeField("Closing time", validators=[InputRequired(message="Enter the closing time.")])
    contact_name = StringField("Contact name", validators=[Optional(), Length(max=200)])
    contact_email = EmailField("Contact email", validators=[Optional(), Email(), Length(max=254)])
    documents = MultipleFileField("Documents", render_kw={"accept": ACCEPT, "multiple": True})

    def to_input(self, tz: str) -> OpportunityInput:
        """The service input; local times become UTC instants (DomainError for impossible ones)."""
        closes_at = _combine(self.closes_date.data, self.closes_time.data, tz, "closes_at")
        questions = _combine(self.questions_date.data, self.questions_time.data, tz, "questions_deadline")
        assert closes_at is not None  # both fields are required
        return OpportunityInput(
            title=(self.title.data or "").strip(),
            closes_at=closes_at,
            type=self.type.data,
            description=(self.description.data or "").strip(),
            set_aside=self.set_aside.data,
            naics_codes=catalog.parse_codes(self.naics_codes.data),
            estimated_value_min=_money(self.estimated_value_min.data),
            estimated_value_max=_money(self.estimated_value_max.data),
            questions_deadline=questions,
            contact_name=(self.contact_name.data or "").strip() or None,
            contact_email=(self.contact_email.data or "").strip() or None,
        )

    def fill_from(self, opportunity: Opportunity) -> None:
        """Pre-fill from an opportunity, showing its instants in the institution's zone."""
        tz = opportunity.institution.timezone
        for name in ("title", "description", "type", "set_aside", "estimated_value_min",
                     "estimated_value_max", "contact_name", "contact_email"):
            self[name].data = getattr(opportunity, name)
        self.naics_codes.data = ", ".join(n.code for n in opportunity.naics_codes)
        closes = utc_to_local(opportunity.closes_at, tz)
        self.closes_date.data, self.closes_time.data = closes.date(), closes.time()
        if opportunity.questions_deadline is not None:
            q = utc_to_local(opportunity.questions_deadline, tz)
            self.questions_date.data, self.questions_time.data = q.date(), q.time()


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


class AddendumForm(OpportunityForm):
    """The opportunity's fields plus the note every addendum needs."""

    note = TextAreaField("Addendum note", validators=[DataRequired(message="Explain the change."), Length(max=20000)])


class ReasonForm(FlaskForm):
    """A reason (cancelling, no award)."""

    reason = TextAreaField("Reason", validators=[DataRequired(message="Enter a reason."), Length(max=5000)])


class AnswerForm(FlaskForm):
    """An officer's published answer."""

    answer = TextAreaField("Answer", validators=[DataRequired(message="Enter the answer."), Length(max=20000)])


class QuestionForm(FlaskForm):
    """A vendor's question (the asker is never shown)."""

    body = TextAreaField("Your question", validators=[DataRequired(message="Enter your question."),
                                                      Length(max=5000)])


class DocumentsForm(FlaskForm):
    """Attach documents to a draft."""

    documents = MultipleFileField("Documents", render_kw={"accept": ACCEPT, "multiple": True})


class ActionForm(FlaskForm):
    """A bare POST (publish, open bids, follow, acknowledge): only the CSRF token."""


class FilterForm(FlaskForm):
    """Public list filters, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=choices([("open", "Open"), ("closed", "Closed"), ("awarded", "Awarded")]),
                         default="open", validators=[Optional()])
    institution = SelectField("Institution", choices=choices([("", "All institutions")]), default="",
                              validators=[Optional()])
    set_aside = SelectField("Set-aside", choices=choices([("", "Any"), *SET_ASIDE_LABELS.items()]), default="",
                            validators=[Optional()])
