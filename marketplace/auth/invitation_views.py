"""Accepting an invitation, and vendors inviting colleagues to their business."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace import db
from marketplace.access import public, roles
from marketplace.auth import bp, invitations, sessions
from marketplace.auth.forms import PASSWORD_HINT, AcceptInvitationForm, InviteColleagueForm
from marketplace.auth.models import Invitation, User
from marketplace.auth.views import show_domain_error
from marketplace.errors import DomainError, NotFound


def _unusable(error: DomainError):
    return render_template("auth/link_unusable.html", message=error.message,
                           what="invitation"), error.status_code


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Show an invitation and create the invited account from it."""
    try:
        invitation = invitations.find_by_token(token)
    except (NotFound, invitations.InvitationUnusable) as error:
        return _unusable(error)
    form = AcceptInvitationForm(account_email=invitation.email)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = invitations.accept(token, form.name.data, form.password.data)
        except DomainError as error:
            problems = show_domain_error(form, error)
        else:
            if current_user.is_authenticated:
                sessions.end_session(current_user)
            sessions.start_session(user)
            flash("Your account is ready and you are logged in.", "success")
            return redirect(url_for("public.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation,
                           problems=problems, password_hint=PASSWORD_HINT)


@bp.route("/account/colleagues", methods=["GET", "POST"])
@roles("vendor")
def colleagues():
    """List the business's users and pending invitations; invite a colleague."""
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            invitation, _token = invitations.invite(
                form.email.data, "vendor", vendor_id=current_user.vendor_id, invited_by=current_user
            )
        except DomainError as error:
            show_domain_error(form, error, fallback="email")
        else:
            flash(f"We sent an invitation to {invitation.email}.", "success")
            return redirect(url_for("auth.colleagues"))
    users = db.session.scalars(
        sa.select(User).where(User.vendor_id == current_user.vendor_id).order_by(User.name, User.email)
    ).all()
    pending = invitations.pending_for_vendor(current_user.vendor_id)
    return render_template("auth/colleagues.html", form=form, users=users, pending=pending)


@bp.route("/account/colleagues/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@roles("vendor")
def withdraw_invitation(invitation_id: int):
    """Withdraw a pending invitation to the business."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.vendor_id != current_user.vendor_id:
        raise NotFound("We could not find that invitation.")
    invitations.revoke(invitation, actor=current_user)
    flash(f"The invitation to {invitation.email} was withdrawn.", "info")
    return redirect(url_for("auth.colleagues"))
