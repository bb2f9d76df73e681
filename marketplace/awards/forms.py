"""Award, cancellation and debrief forms; the award panel shown under the bid tabulation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from marketplace.auth.models import User
from marketplace.awards import services
from marketplace.awards.models import Award
from marketplace.bids.tabulation import Tabulation, TabulationRow
from marketplace.errors import DomainError


class AwardLineForm(Form):
    """One bid of the tabulation: award it or not, the amount and the contract dates."""

    bid_id = IntegerField(widget=HiddenInput())
    selected = BooleanField("Award this bid")
    amount = StringField("Award amount (dollars)", validators=[Optional(), Length(max=30)])
    contract_start = DateField("Contract start", validators=[Optional()])
    contract_end = DateField("Contract end", validators=[Optional()])


class AwardForm(FlaskForm):
    """A (split) award: one line per bid that has no active award yet."""

    lines = FieldList(FormField(AwardLineForm))

    def to_lines(self) -> list[services.AwardLine]:
        """The chosen lines as service input; a missing or malformed value marks its field."""
        chosen: list[services.AwardLine] = []
        problems = False
        for entry in self.lines:
            line = entry.form
            if not line.selected.data:
                continue
            for name, message in (("contract_start", "Enter the contract's start date."),
                                  ("contract_end", "Enter the contract's end date."),
                                  ("amount", "Enter the award amount.")):
                if not line[name].data and not line[name].errors:
                    line[name].errors = [*line[name].errors, message]
            if any(line[name].errors for name in ("amount", "contract_start", "contract_end")) or not line.bid_id.data:
                problems = True
                continue
            try:
                amount = services.parse_amount(line.amount.data)
            except DomainError as error:
                line.amount.errors = [*line.amount.errors, *error.errors.get("amount", [error.message])]
                problems = True
                continue
            chosen.append(services.AwardLine(line.bid_id.data, amount, line.contract_start.data, line.contract_end.data))
        if problems:
            raise DomainError("Please correct the highlighted award lines.", {"lines": ["See the lines below."]})
        if not chosen:
            raise DomainError("Choose at least one bid to award.", {"lines": ["Choose at least one bid."]})
        return chosen


class ReasonForm(FlaskForm):
    """The reason for cancelling an award."""

    reason = TextAreaField("Reason for cancelling", validators=[DataRequired(message="Enter a reason."),
                                                               Length(max=5000)])


class DebriefRequestForm(FlaskForm):
    """An unsuccessful bidder's debrief request."""

    message = TextAreaField("What would you like to know? (optional)", validators=[Optional(), Length(max=5000)])


class DebriefAnswerForm(FlaskForm):
    """The officer's debrief."""

    response = TextAreaField("Debrief", validators=[DataRequired(message="Enter the response."),
                                                    Length(max=20000)])


@dataclass
class AwardPanel:
    """What the tabulation page shows for awarding: current awards and the form for the rest."""

    form: AwardForm | None
    awards: list[Award]
    rows: dict[int, TabulationRow]  # by bid id
    awarded_bid_ids: set[int]


def award_panel(tabulation: Tabulation, actor: User, now: datetime, form: AwardForm | None = None) -> AwardPanel:
    """The award section under the tabulation; a form only for the institution's officers when awarding is allowed."""
    opportunity = tabulation.opportunity
    awards = services.active_awards(opportunity)
    awarded = {a.bid_id for a in awards if a.bid_id is not None}
    rows = {row.bid_id: row for row in tabulation.rows}
    if form is None and services.can_award(opportunity, actor, now):
        winners = {a.vendor_id for a in awards}
        data: dict[str, Any] = {"lines": [
            {"bid_id": row.bid_id, "amount": "" if row.amount is None else f"{row.amount:.2f}"}
            for row in tabulation.rows if row.vendor_id not in winners]}
        form = AwardForm(formdata=None, data=data)
    return AwardPanel(form=form, awards=awards, rows=rows, awarded_bid_ids=awarded)
