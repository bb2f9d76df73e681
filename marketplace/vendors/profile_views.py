"""The vendor's own business profile, edited section by section, and the vendor page officers see."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import db
from marketplace.access import roles
from marketplace.vendors import bp, profile, profile_addresses, profile_sections, profile_status
from marketplace.vendors.models import Vendor
from marketplace.vendors.profile_sections import current_vendor, status_for

SECTIONS = {
    "identity": ("Business identity", profile_sections.identity),
    "naics": ("NAICS codes and what you do", profile_sections.naics),
    "size": ("Business size", profile_sections.size),
}


def _profile_context(vendor: Vendor, institution_id: int | None = None) -> dict:
    """Everything the profile summary shows, computed for today in America/New_York."""
    today = profile.today()
    return {
        "vendor": vendor,
        "today": today,
        "principal": profile_addresses.current_principal(vendor, today),
        "history": profile_addresses.principal_history(vendor),
        "offices": profile_addresses.offices(vendor, on=today),
        "naics": profile.naics_listing(vendor),
        "revenue_labels": profile.REVENUE_LABELS,
        "small": profile_status.small_status(vendor, today),
        "locals": profile_status.local_statuses(vendor, today, institution_id),
        "certifications": [c for c in vendor.certifications if c.status == "verified"],
    }


@bp.route("/vendor/profile", endpoint="profile")
@roles("vendor")
def profile_page():
    """Show the business profile; an unfinished registration resumes where it stopped."""
    vendor = current_vendor()
    if vendor.registration_completed_at is None:
        return redirect(url_for("vendors.register"))
    return render_template("vendors/profile.html", **_profile_context(vendor))


def _section_view(slug: str):
    """Edit one profile section; saved changes return to the profile."""
    title, handler = SECTIONS[slug]
    form, saved = handler(current_vendor())
    if saved:
        flash(f"{title}: saved.", "success")
        return redirect(url_for("vendors.profile", _anchor=slug))
    return render_template("vendors/profile_section.html", form=form, section=slug, title=title,
                           vendor=current_vendor()), status_for(form)


@bp.route("/vendor/profile/identity", methods=["GET", "POST"])
@roles("vendor")
def profile_identity():
    """Edit the business's name, EIN, website and contact."""
    return _section_view("identity")


@bp.route("/vendor/profile/naics", methods=["GET", "POST"])
@roles("vendor")
def profile_naics():
    """Edit the NAICS codes and the capability statement."""
    return _section_view("naics")


@bp.route("/vendor/profile/size", methods=["GET", "POST"])
@roles("vendor")
def profile_size():
    """Edit the number of employees and the revenue band."""
    return _section_view("size")


def _address_page(status: int = 200, **forms):
    vendor, today = current_vendor(), profile.today()
    forms.setdefault("form", profile_sections.principal(vendor, today, submitted=False)[0])
    forms.setdefault("office_form", profile_sections.office(vendor, today, submitted=False)[0])
    forms.setdefault("close_forms", profile_sections.close_forms(vendor, today))
    return render_template(
        "vendors/profile_address.html", vendor=vendor, today=today,
        current_address=profile_addresses.open_principal(vendor),
        history=profile_addresses.principal_history(vendor),
        offices=profile_addresses.offices(vendor, on=today),
        closed_offices=[a for a in profile_addresses.offices(vendor, on=today, include_closed=True)
                        if a.effective_to is not None and a.effective_to < today],
        **forms,
    ), status


@bp.route("/vendor/profile/address", methods=["GET", "POST"])
@roles("vendor")
def profile_address():
    """Move or correct the principal place of business, and add other offices."""
    vendor, today = current_vendor(), profile.today()
    which = request.form.get("which") if request.method == "POST" else None
    form, saved = profile_sections.principal(vendor, today, submitted=which == "principal")
    office_form, office_saved = profile_sections.office(vendor, today, submitted=which == "office")
    if saved or office_saved:
        flash("Address saved." if saved else "Office added.", "success")
        return redirect(url_for("vendors.profile", _anchor="address"))
    return _address_page(status_for(form, office_form), form=form, office_form=office_form)


@bp.route("/vendor/profile/offices/<int:address_id>/close", methods=["POST"])
@roles("vendor")
def close_office(address_id: int):
    """Record the last day of another office; it stays in the history."""
    vendor, today = current_vendor(), profile.today()
    form, saved = profile_sections.close_office(vendor, address_id, today)
    if saved:
        flash("The office is marked closed.", "success")
        return redirect(url_for("vendors.profile_address", _anchor="offices"))
    close_forms = profile_sections.close_forms(vendor, today, failed=form, failed_id=address_id)
    return _address_page(422, close_forms=close_forms)


@bp.route("/vendors/<int:vendor_id>")
@roles("vendor", "officer", "backbone")
def show(vendor_id: int):
    """Show a vendor's profile to officers and the backbone; a vendor sees only its own."""
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or (current_user.role == "vendor" and current_user.vendor_id != vendor_id):
        abort(404)
    institution_id = current_user.institution_id if current_user.role == "officer" else None
    return render_template("vendors/profile_public.html", **_profile_context(vendor, institution_id))


# The registration steps share this package's blueprint; importing them registers their routes.
from marketplace.vendors import profile_registration_views  # noqa: E402,F401
