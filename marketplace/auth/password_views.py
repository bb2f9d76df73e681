"""Forgotten passwords, reset links, and changing one's password."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace.access import public, roles
from marketplace.auth import bp, limits, resets, services, sessions
from marketplace.auth.forms import PASSWORD_HINT, ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from marketplace.auth.views import show_domain_error
from marketplace.errors import DomainError, NotFound
from marketplace.security import limiter

SENT_MESSAGE = ("If an account exists for that email, we have sent it a link to reset the password. "
                "The link works once and expires soon.")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(limits.forgot_per_ip, methods=["POST"])
@limiter.limit(limits.forgot_per_email, methods=["POST"], key_func=limits.submitted_email)
def forgot_password():
    """Email a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data)
        return render_template("auth/forgot_password_sent.html", message=SENT_MESSAGE)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Set a new password from an emailed link, then log out everywhere."""
    try:
        reset = resets.find_by_token(token)
    except (NotFound, resets.ResetLinkUnusable) as error:
        return render_template("auth/link_unusable.html", message=error.message,
                               what="reset"), error.status_code
    form = ResetPasswordForm(account_email=reset.user.email)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = resets.reset_password(token, form.password.data)
        except DomainError as error:
            problems = show_domain_error(form, error)
        else:
            if current_user.is_authenticated and current_user.id == user.id:
                sessions.end_session(current_user)
            flash("Your password was changed and you were logged out everywhere. Log in with the new one.",
                  "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, problems=problems,
                           password_hint=PASSWORD_HINT)


@bp.route("/account/password", methods=["GET", "POST"])
@roles("vendor", "officer", "backbone")
@limiter.limit(limits.login_per_ip, methods=["POST"])
def change_password():
    """Change the password (the current one is required); other devices are logged out."""
    form = ChangePasswordForm(account_email=current_user.email)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            problems = show_domain_error(form, error)
        else:
            user = current_user._get_current_object()
            sessions.revoke_all(user)
            sessions.start_session(user)
            flash("Your password was changed. Other devices were logged out.", "success")
            return redirect(url_for("public.dashboard"))
    return render_template("auth/change_password.html", form=form, problems=problems,
                           password_hint=PASSWORD_HINT)
