"""Account forms. Every new password is checked against the same rules and confirmed."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from marketplace.auth.passwords import MAX_LENGTH, MIN_LENGTH, password_problems

PASSWORD_HINT = (f"At least {MIN_LENGTH} characters (up to {MAX_LENGTH}). A few unrelated words "
                 "make a strong password that is easy to remember; avoid common passwords.")


def _password_rules(form: FlaskForm, field: Field) -> None:
    """Show every broken password rule on the field; the email is taken from the form if it has one."""
    email = getattr(form, "account_email", None)
    if email is None and "email" in form:
        email = form.email.data
    problems = password_problems(field.data or "", email=email)
    if problems:
        field.errors.extend(problems[:-1])
        raise ValidationError(problems[-1])


def _new_password_fields(label: str = "Password") -> tuple[PasswordField, PasswordField]:
    password = PasswordField(label, validators=[DataRequired("Enter a password."), _password_rules])
    confirm = PasswordField(f"Confirm {label.lower()}", validators=[
        DataRequired("Enter the password again."),
        EqualTo("password", message="The two passwords do not match."),
    ])
    return password, confirm


def _email_field(label: str = "Email address") -> EmailField:
    return EmailField(label, validators=[DataRequired("Enter an email address."),
                                         Email("Enter a valid email address."), Length(max=254)])


class LoginForm(FlaskForm):
    """Email and password. The address is not syntax-checked: an unknown one gets the same
    message as a wrong password, and reserved demo domains (`.test`) must be able to log in."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class RegisterForm(FlaskForm):
    """A vendor business and its first user."""

    legal_name = StringField("Business legal name", validators=[
        DataRequired("Enter the business's legal name."), Length(max=255)])
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    email = _email_field("Your email address")
    password, confirm = _new_password_fields()


class AcceptInvitationForm(FlaskForm):
    """Name and password for an invited account; the email comes from the invitation."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    password, confirm = _new_password_fields()

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class InviteColleagueForm(FlaskForm):
    """The email of a colleague to invite to the business."""

    email = _email_field("Colleague's email address")


class ForgotPasswordForm(FlaskForm):
    """The email of the account whose password was forgotten."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    """A new password, confirmed."""

    password, confirm = _new_password_fields("New password")

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangePasswordForm(FlaskForm):
    """The current password and a new one, confirmed."""

    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=1024)])
    password, confirm = _new_password_fields("New password")

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email
