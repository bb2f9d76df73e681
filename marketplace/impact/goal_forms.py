"""Forms for the backbone's goal pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from marketplace.impact.goals import GoalInput, category_label
from marketplace.impact.models import Goal

COLLABORATIVE = "collaborative"


class GoalForm(FlaskForm):
    """A goal: whose, which category, baseline period, target and target date."""

    scope = SelectField("Goal for", validators=[InputRequired(message="Choose whose goal this is.")])
    category = SelectField("Category", validators=[InputRequired(message="Choose a category.")])
    baseline_period = StringField("Baseline period", validators=[
        InputRequired(message="Enter the baseline period."), Length(max=10)])
    target_kind = RadioField("Kind of target", choices=[
        SelectChoice("share", "A share of addressable spend (a percentage)"),
        SelectChoice("multiple", "A multiple of the baseline share"),
    ], validators=[InputRequired(message="Choose the kind of target.")], default="share")
    target_value = StringField("Target", validators=[InputRequired(message="Enter the target."), Length(max=20)])
    target_date = DateField("Target date", validators=[Optional()])

    def set_choices(self, institutions: list, categories: list[str]) -> None:
        """Offer the collaborative and each institution, and the enabled categories."""
        self.scope.choices = [SelectChoice(COLLABORATIVE, "The whole collaborative")] + [
            SelectChoice(str(i.id), i.name) for i in institutions]
        self.category.choices = [SelectChoice(key, category_label(key)) for key in categories]

    def fill_from(self, goal: Goal) -> None:
        """Show an existing goal's values, the target as it was typed."""
        self.scope.data = str(goal.institution_id) if goal.institution_id else COLLABORATIVE
        self.category.data = goal.category
        self.baseline_period.data = goal.baseline_period
        self.target_kind.data = goal.target_kind
        value = goal.target_value * 100 if goal.target_kind == "share" else goal.target_value
        self.target_value.data = f"{value.normalize():f}"
        self.target_date.data = goal.target_date

    def to_input(self) -> GoalInput:
        """The fields as the goal services take them."""
        scope = self.scope.data
        return GoalInput(
            institution_id=None if scope == COLLABORATIVE or not (scope or "").isdigit() else int(scope),
            category=self.category.data or "",
            baseline_period=self.baseline_period.data or "",
            target_kind=self.target_kind.data or "",
            target_value=self.target_value.data or "",
            target_date=self.target_date.data,
        )


class DeleteGoalForm(FlaskForm):
    """Confirm removing a goal (CSRF only)."""
