"""Login, logout and vendor self-registration."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import audit
from marketplace.access import public, roles
from marketplace.auth import bp, limits, registration, services, sessions
from marketplace.auth.forms import PASSWORD_HINT, LoginForm, RegisterForm
from marketplace.errors import DomainError, error_response, wants_json
from marketplace.security import limiter

GENERIC_LOGIN_ERROR = "That email and password do not match an account."


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("public.dashboard")


def show_domain_error(form: FlaskForm, error: DomainError, fallback: str | None = None) -> list[str]:
    """Put a service's field errors on the form's fields; return the messages no field can show."""
    unplaced: list[str] = []
    for name, messages in (error.errors or {}).items():
        target = name if name in form else fallback
        if target is not None and target in form:
            form[target].errors = list(form[target].errors) + list(messages)
        else:
            unplaced.extend(messages)
    if not error.errors:
        unplaced.append(error.message)
    return unplaced


@bp.errorhandler(429)
def _throttled(error: Any):
    """Answer a throttled account form with a friendly page."""
    if wants_json():
        return error_response(429, "Too many attempts. Please wait a minute and try again.")
    return render_template("auth/throttled.html"), 429


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(limits.login_per_ip, methods=["POST"])
@limiter.limit(limits.login_per_email, methods=["POST"], key_func=limits.submitted_email,
               deduct_when=limits.failed_login)
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("public.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            audit.record_now(
                "login.failed", "user", None, detail={"email": services.normalize_email(form.email.data)}
            )
            form.password.errors.append(GENERIC_LOGIN_ERROR)
        else:
            sessions.start_session(user)
            audit.record("login.succeeded", "user", user.id, actor=user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles("vendor", "officer", "backbone")
def logout():
    """End the session on the server and in the browser."""
    audit.record("logout", "user", current_user.id)
    sessions.end_session(current_user)
    flash("You have logged out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(limits.register_per_ip, methods=["POST"])
def register():
    """Register a vendor business and its first user, then log that user in."""
    if current_user.is_authenticated:
        return redirect(url_for("public.dashboard"))
    form = RegisterForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = registration.register_vendor(
                legal_name=form.legal_name.data, name=form.name.data,
                email=form.email.data, password=form.password.data,
            )
        except DomainError as error:
            problems = show_domain_error(form, error)
        else:
            sessions.start_session(user)
            flash("Your business is registered and you are logged in.", "success")
            return redirect(url_for("public.dashboard"))
    return render_template("auth/register.html", form=form, problems=problems, password_hint=PASSWORD_HINT)

