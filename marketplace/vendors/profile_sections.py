"""Form handling shared by the registration steps and the profile sections.

Each handler builds its form (filled from the profile on GET, from the request on POST), and on
a valid POST calls the service inside a savepoint. It returns the form and whether it saved;
the caller picks the page to show or the redirect. A refused form is re-rendered with 422 so
the request boundary rolls back and the user's input is shown again with its messages.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import db
from marketplace.errors import DomainError, NotAllowed, NotFound
from marketplace.vendors import profile, profile_addresses
from marketplace.vendors.forms import (
    CloseOfficeForm,
    IdentityForm,
    NaicsForm,
    OfficeForm,
    PrincipalAddressForm,
    SizeForm,
    apply_domain_error,
)
from marketplace.vendors.models import Vendor

OFFICE_PREFIX = "office"


def attempt(form: FlaskForm, change: Callable[[], object]) -> bool:
    """Run the service calls in a savepoint; on a DomainError undo them and mark the form."""
    try:
        with db.session.begin_nested():
            change()
    except (NotFound, NotAllowed):
        raise
    except DomainError as error:
        apply_domain_error(form, error)
        return False
    return True


def status_for(*forms: FlaskForm) -> int:
    """422 when any form shows errors (so nothing is committed), else 200."""
    return 422 if any(f.errors or f.form_errors for f in forms) else 200


def current_vendor() -> Vendor:
    """The signed-in vendor user's business."""
    return current_user.vendor


def identity(vendor: Vendor) -> tuple[IdentityForm, bool]:
    """Step 1 / identity section."""
    form = IdentityForm(obj=vendor)
    saved = form.validate_on_submit() and attempt(
        form, lambda: profile.update_identity(vendor, **form.service_args(), actor=current_user))
    return form, saved


def principal(vendor: Vendor, today: date, *, submitted: bool) -> tuple[PrincipalAddressForm, bool]:
    """Principal place of business: first address, move or correction; handled when its form was sent."""
    current = profile_addresses.open_principal(vendor)
    if submitted:
        form = PrincipalAddressForm()
    else:
        form = PrincipalAddressForm(formdata=None, obj=current)
        form.since.data = today if current is not None else None
    if current is None:
        form.since.label.text = "At this address since (optional)"
    saved = submitted and form.validate() and attempt(form, lambda: profile_addresses.save_principal_address(
        vendor, **form.address_args(), change=form.change.data, since=form.since.data, today=today,
        actor=current_user))
    return form, saved


def office(vendor: Vendor, today: date, *, submitted: bool) -> tuple[OfficeForm, bool]:
    """Add another office; only handled when its own form was the one sent."""
    form = OfficeForm(prefix=OFFICE_PREFIX, formdata=request.form if submitted else None)
    saved = submitted and form.validate() and attempt(form, lambda: profile_addresses.add_office(
        vendor, **form.address_args(), since=form.since.data, today=today, actor=current_user))
    return form, saved


def close_office(vendor: Vendor, address_id: int, today: date) -> tuple[CloseOfficeForm, bool]:
    """Record an office's last day."""
    form = CloseOfficeForm(prefix=f"close-{address_id}")
    saved = form.validate_on_submit() and attempt(form, lambda: profile_addresses.close_office(
        vendor, address_id, last_day=form.last_day.data, today=today, actor=current_user))
    return form, saved


def close_forms(vendor: Vendor, today: date, failed: CloseOfficeForm | None = None,
                failed_id: int | None = None) -> dict[int, CloseOfficeForm]:
    """A "last day" form for each open office, the one that failed kept as sent."""
    forms = {}
    for address in profile_addresses.offices(vendor, on=today):
        if address.id == failed_id and failed is not None:
            forms[address.id] = failed
        else:
            form = CloseOfficeForm(prefix=f"close-{address.id}", formdata=None)
            form.last_day.data = today
            forms[address.id] = form
    return forms


def naics(vendor: Vendor) -> tuple[NaicsForm, bool]:
    """Step 3 / NAICS codes and capability statement."""
    form = NaicsForm()
    if request.method == "GET":
        form.naics_codes.data = ", ".join(profile.ordered_codes(vendor))
        form.primary_naics.data = profile.primary_code(vendor) or ""
        form.capability_statement.data = vendor.capability_statement or ""
    saved = form.validate_on_submit() and attempt(
        form, lambda: profile.set_naics(vendor, **form.service_args(), actor=current_user))
    return form, saved


def size(vendor: Vendor) -> tuple[SizeForm, bool]:
    """Step 4 / employees and revenue."""
    form = SizeForm(obj=vendor)
    saved = form.validate_on_submit() and attempt(form, lambda: profile.update_size(
        vendor, employees=form.employees.data, revenue_band=form.revenue_band.data, actor=current_user))
    return form, saved
