"""Backbone administration pages: institutions, officer and backbone invitations, settings.

A form that fails validation, or whose values a service refuses, is shown again with the
user's input and field messages, answered 422 so the request boundary rolls back.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from marketplace import clock, db
from marketplace.access import roles
from marketplace.admin import bp
from marketplace.admin.forms import (
    SECTOR_LABELS,
    InstitutionForm,
    InviteForm,
    SettingsForm,
    lines,
)
from marketplace.auth import invitations as invitation_service
from marketplace.auth.models import Invitation, User
from marketplace.errors import DomainError, NotFound
from marketplace.forms import apply_domain_error
from marketplace.institutions import services
from marketplace.institutions.models import Institution

INSTITUTION_ALIASES = {"counties": "local_counties", "zips": "local_zips"}


def _attempt(form, change: Callable[[], object], aliases: dict[str, str] | None = None) -> bool:
    """Run the service calls in a savepoint; on a DomainError undo them and mark the form."""
    try:
        with db.session.begin_nested():
            change()
    except DomainError as error:
        apply_domain_error(form, error, aliases)
        return False
    return True


def _institution_or_404(institution_id: int) -> Institution:
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        raise NotFound("We could not find that institution.")
    return institution


@bp.route("/")
@roles("backbone")
def index():
    """Show the administration overview: counts and links."""
    collab = services.get_collaborative()
    pending = sa.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                      Invitation.expires_at > clock.utcnow())
    counts = {
        "institutions": db.session.scalar(sa.select(sa.func.count(Institution.id))),
        "officers": db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "officer")),
        "backbone": db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "backbone")),
        "pending_invitations": db.session.scalar(sa.select(sa.func.count(Invitation.id)).where(pending)),
    }
    return render_template("admin/index.html", collab=collab, counts=counts,
                           region=services.describe_rule(collab.local_rule))


@bp.route("/institutions")
@roles("backbone")
def institutions():
    """List the member institutions."""
    rows = services.list_institutions()
    officer_counts = dict(db.session.execute(
        sa.select(User.institution_id, sa.func.count(User.id)).where(User.role == "officer").group_by(User.institution_id)
    ).all())
    return render_template("admin/institutions.html", institutions=rows, officer_counts=officer_counts,
                           sector_labels=SECTOR_LABELS)


def _save_institution_extras(institution: Institution, form: InstitutionForm) -> None:
    """Apply the fields beyond the basic identity: opening, addenda, local rule, categories."""
    services.update_institution(
        institution, actor=current_user,
        requires_two_openers=form.requires_two_openers.data,
        addendum_extension_hours=form.addendum_extension_hours.data,
    )
    if form.local_rule_mode.data == "own":
        services.set_institution_local_rule(institution, lines(form.local_counties.data),
                                            lines(form.local_zips.data), actor=current_user)
    else:
        services.set_institution_local_rule(institution, None, actor=current_user)
    services.set_nonaddressable(institution, form.nonaddressable.data.splitlines() if form.nonaddressable.data else [],
                                actor=current_user)


@bp.route("/institutions/new", methods=["GET", "POST"])
@roles("backbone")
def institution_new():
    """Add an institution to the collaborative."""
    form = InstitutionForm()
    if form.validate_on_submit():
        created: list[Institution] = []

        def change() -> None:
            slug = (form.slug.data or "").strip().lower()
            if db.session.scalar(sa.select(Institution.id).where(Institution.slug == slug)) is not None:
                raise DomainError("Slug taken.", {"slug": [f"The slug {slug!r} is already used by another institution."]})
            institution = services.add_institution(
                form.slug.data, form.name.data, form.sector.data, form.timezone.data,
                form.fiscal_year_start_month.data, actor=current_user,
            )
            _save_institution_extras(institution, form)
            created.append(institution)

        if _attempt(form, change, INSTITUTION_ALIASES):
            flash(f"{created[0].name} was added. Invite its procurement officers below.", "success")
            return redirect(url_for("admin.institution_officers", institution_id=created[0].id))
    status = 422 if form.errors else 200
    return render_template("admin/institution_new.html", form=form), status


@bp.route("/institutions/<int:institution_id>", methods=["GET", "POST"])
@roles("backbone")
def institution_edit(institution_id: int):
    """Edit an institution's settings, local rule and non-addressable spend categories."""
    institution = _institution_or_404(institution_id)
    form = InstitutionForm(obj=institution)
    if not form.is_submitted():
        rule = services.describe_rule(institution.local_rule)
        form.local_rule_mode.data = "own" if institution.local_rule is not None else "collaborative"
        form.local_counties.data = "\n".join(rule["counties"])
        form.local_zips.data = "\n".join(rule["zips"])
        form.nonaddressable.data = "\n".join(c.name for c in institution.spend_categories if not c.addressable)
    elif form.validate():

        def change() -> None:
            services.update_institution(
                institution, actor=current_user, slug=form.slug.data, name=form.name.data,
                sector=form.sector.data, timezone=form.timezone.data,
                fiscal_year_start_month=form.fiscal_year_start_month.data,
            )
            _save_institution_extras(institution, form)

        if _attempt(form, change, INSTITUTION_ALIASES):
            flash(f"{institution.name} was saved.", "success")
            return redirect(url_for("admin.institution_edit", institution_id=institution.id))
    status = 422 if form.errors else 200
    return render_template("admin/institution_edit.html", form=form, institution=institution,
                           categories=institution.spend_categories), status


@bp.route("/institutions/<int:institution_id>/officers", methods=["GET", "POST"])
@roles("backbone")
def institution_officers(institution_id: int):
    """List an institution's officers and invitations; invite a new officer."""
    institution = _institution_or_404(institution_id)
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data
        if _attempt(form, lambda: invitation_service.invite(
                email, "officer", institution_id=institution.id, invited_by=current_user)):
            flash(f"An invitation was sent to {email.strip().lower()}.", "success")
            return redirect(url_for("admin.institution_officers", institution_id=institution.id))
    officers = db.session.scalars(
        sa.select(User).where(User.role == "officer", User.institution_id == institution.id).order_by(User.email)
    ).all()
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.institution_id == institution.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template("admin/institution_officers.html", institution=institution, form=form,
                           officers=officers, invitations=rows,
                           status_of=invitation_service.invitation_status), status


@bp.route("/invitations", methods=["GET", "POST"])
@roles("backbone")
def invitations():
    """List every backbone and officer invitation; invite another backbone user."""
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data
        if _attempt(form, lambda: invitation_service.invite(email, "backbone", invited_by=current_user)):
            flash(f"An invitation to the backbone team was sent to {email.strip().lower()}.", "success")
            return redirect(url_for("admin.invitations"))
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.role.in_(("officer", "backbone")))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()
    backbone_users = db.session.scalars(sa.select(User).where(User.role == "backbone").order_by(User.email)).all()
    status = 422 if form.errors else 200
    return render_template("admin/invitations.html", form=form, invitations=rows, backbone_users=backbone_users,
                           status_of=invitation_service.invitation_status), status


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles("backbone")
def invitation_revoke(invitation_id: int):
    """Withdraw a pending officer or backbone invitation."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.role not in ("officer", "backbone"):
        raise NotFound("We could not find that invitation.")
    invitation_service.revoke(invitation, actor=current_user)
    flash(f"The invitation to {invitation.email} was withdrawn.", "success")
    if invitation.institution_id is not None:
        return redirect(url_for("admin.institution_officers", institution_id=invitation.institution_id))
    return redirect(url_for("admin.invitations"))


@bp.route("/settings", methods=["GET", "POST"])
@roles("backbone")
def settings():
    """Edit the collaborative's name, region, certification types and expiry rule."""
    collab = services.get_collaborative()
    form = SettingsForm()
    if not form.is_submitted():
        region = services.describe_rule(collab.local_rule)
        form.name.data, form.backbone_name.data = collab.name, collab.backbone_name
        form.counties.data = "\n".join(region["counties"])
        form.zips.data = "\n".join(region["zips"])
        form.enabled_types.data = list(collab.enabled_certification_types or [])
        form.expiry_rule.data = collab.expiry_rule
        form.grace_days.data = collab.grace_days if collab.expiry_rule == "grace_days" else None
    elif form.validate():

        def change() -> None:
            services.set_collaborative_names(form.name.data, form.backbone_name.data or "", actor=current_user)
            services.set_collaborative_region(lines(form.counties.data), lines(form.zips.data), actor=current_user)
            services.set_categories(form.enabled_types.data or [], actor=current_user)
            services.set_expiry_rule(form.expiry_rule_text(), actor=current_user)

        if _attempt(form, change):
            flash("The collaborative's settings were saved.", "success")
            return redirect(url_for("admin.settings"))
    status = 422 if form.errors else 200
    return render_template("admin/settings.html", form=form, collab=collab), status
