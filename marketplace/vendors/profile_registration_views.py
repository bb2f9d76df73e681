"""Guided vendor registration: five short steps, each saved when sent, resumable at any time.

Whether a step is done is read from the profile itself (see `profile.step_done`), so a vendor
who leaves comes back to the first step still missing answers.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.access import roles
from marketplace.vendors import bp, profile, profile_addresses, profile_sections, profile_status
from marketplace.vendors.forms import FinishForm
from marketplace.vendors.profile_sections import attempt, current_vendor, status_for

SAVED_FOR_LATER = "Saved. Come back any time: we will take you to the step where you stopped."


def _after_save(slug: str):
    """Go on to the next step, or to the dashboard when the user chose to finish later."""
    if "later" in request.form:
        flash(SAVED_FOR_LATER, "success")
        return redirect(url_for("public.dashboard"))
    following = profile.STEP_SLUGS[profile.STEP_SLUGS.index(slug) + 1]
    return redirect(url_for(f"vendors.register_{following}"))


def _render(template: str, slug: str, status: int = 200, **context):
    vendor = current_vendor()
    steps = profile.progress(vendor)
    number = profile.STEP_SLUGS.index(slug) + 1
    return render_template(template, vendor=vendor, steps=steps, current=slug, number=number,
                           step=profile.STEPS[number - 1], total=len(profile.STEPS), **context), status


@bp.route("/vendor/register")
@roles("vendor")
def register():
    """Resume the registration at the first step that still needs answers."""
    vendor = current_vendor()
    if vendor.registration_completed_at is not None:
        return redirect(url_for("vendors.profile"))
    return redirect(url_for(f"vendors.register_{profile.first_incomplete_step(vendor)}"))


@bp.route("/vendor/register/identity", methods=["GET", "POST"])
@roles("vendor")
def register_identity():
    """Step 1: the business's name, EIN, website and contact."""
    form, saved = profile_sections.identity(current_vendor())
    if saved:
        return _after_save("identity")
    return _render("vendors/register_step.html", "identity", status_for(form), form=form)


@bp.route("/vendor/register/address", methods=["GET", "POST"])
@roles("vendor")
def register_address():
    """Step 2: the principal place of business and any other offices."""
    vendor, today = current_vendor(), profile.today()
    which = request.form.get("which") if request.method == "POST" else None
    form, saved = profile_sections.principal(vendor, today, submitted=which == "principal")
    office_form, office_saved = profile_sections.office(vendor, today, submitted=which == "office")
    if saved:
        return _after_save("address")
    if office_saved:
        flash("Office added.", "success")
        return redirect(url_for("vendors.register_address", _anchor="offices"))
    return _render("vendors/register_address.html", "address", status_for(form, office_form), form=form,
                   office_form=office_form, current_address=profile_addresses.open_principal(vendor),
                   offices=profile_addresses.offices(vendor, on=today), today=today)


@bp.route("/vendor/register/naics", methods=["GET", "POST"])
@roles("vendor")
def register_naics():
    """Step 3: NAICS codes and what the business does."""
    form, saved = profile_sections.naics(current_vendor())
    if saved:
        return _after_save("naics")
    return _render("vendors/register_step.html", "naics", status_for(form), form=form)


@bp.route("/vendor/register/size", methods=["GET", "POST"])
@roles("vendor")
def register_size():
    """Step 4: number of employees and annual revenue."""
    form, saved = profile_sections.size(current_vendor())
    if saved:
        return _after_save("size")
    return _render("vendors/register_step.html", "size", status_for(form), form=form)


@bp.route("/vendor/register/review", methods=["GET", "POST"])
@roles("vendor")
def register_review():
    """Step 5: check every answer and finish the registration."""
    vendor, today = current_vendor(), profile.today()
    form = FinishForm()
    if form.validate_on_submit():
        if attempt(form, lambda: profile.complete_registration(vendor, actor=current_user)):
            flash("Your registration is complete. Institutions can now find your business.", "success")
            return redirect(url_for("vendors.profile"))
    return _render("vendors/register_review.html", "review", status_for(form), form=form,
                   missing=profile.missing_steps(vendor), today=today,
                   small=profile_status.small_status(vendor, today),
                   principal=profile_addresses.current_principal(vendor, today),
                   offices=profile_addresses.offices(vendor, on=today),
                   naics=profile.naics_listing(vendor), revenue_labels=profile.REVENUE_LABELS)
