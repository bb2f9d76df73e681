"""Forms for saved searches, invitations and unsubscribing."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from marketplace.matching.alerts import ALERT_MODES, MAX_NAME


class SavedSearchForm(FlaskForm):
    """Rename a saved search or change how its alerts come."""

    name = StringField("Name", validators=[DataRequired("Enter a name for this search."), Length(max=MAX_NAME)])
    alert_mode = RadioField("Email me new matches", choices=[SelectChoice(k, v) for k, v in ALERT_MODES.items()], default="instant",
                            validators=[DataRequired("Choose how to hear about new matches.")])


class SaveSearchForm(SavedSearchForm):
    """Save the search on the page: its query travels as JSON and is checked again on the server."""

    query = HiddenField()


class ActionForm(FlaskForm):
    """A bare POST (invite, delete, unsubscribe): only the CSRF token."""
