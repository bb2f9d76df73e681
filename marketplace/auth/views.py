"""Login and logout."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import audit
from marketplace.access import public, roles
from marketplace.auth import bp, services, sessions
from marketplace.auth.forms import LoginForm
from marketplace.security import limiter

GENERIC_LOGIN_ERROR = "That email and password do not match an account."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("public.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
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
