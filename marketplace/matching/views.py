"""Pages for matching: recommendations, suggested vendors and invitations, saved searches, unsubscribe.

Importing this module also registers the publish hook (`alerts.on_published`).
"""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import clock, db
from marketplace.access import public, roles
from marketplace.errors import DomainError
from marketplace.matching import alerts, bp, invitations, services
from marketplace.matching.forms import ActionForm, SavedSearchForm, SaveSearchForm
from marketplace.opportunities import lifecycle
from marketplace.opportunities.forms import apply_domain_error
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.services import get_for_officer
from marketplace.search.query import OpportunityQuery
from marketplace.security import csrf
from marketplace.vendors.models import Vendor

PREVIEW = 5
SAVED_NOTES = {"instant": "You will get an email for each new match as it is published.",
               "daily": "You will get one email a day listing the new matches.",
               "off": "No emails will be sent; run it from this page."}


# --- helpers the shared templates call through include points -----------------------------------


@bp.app_template_global()
def recommended_for_me(limit: int = PREVIEW) -> list[services.Match]:
    """Recommended open opportunities for the signed-in vendor (the dashboard's partial)."""
    if not current_user.is_authenticated or current_user.role != "vendor" or current_user.vendor is None:
        return []
    return services.recommend_opportunities(current_user.vendor, now=clock.utcnow(), limit=limit)


@bp.app_template_global()
def suggested_for(opportunity: Opportunity, limit: int = PREVIEW) -> dict:
    """Suggested vendors and who is already invited (the officer's opportunity page's partial)."""
    now = clock.utcnow()
    if lifecycle.status(opportunity, now) not in lifecycle.ALLOWED["invite_vendor"]:
        return {"matches": [], "invited": set(), "open": False}
    return {"matches": services.suggest_vendors(opportunity, now=now, limit=limit),
            "invited": invitations.invited_vendor_ids(opportunity), "open": True,
            "form": ActionForm(formdata=None)}


@bp.app_template_global()
def save_search_form(q: OpportunityQuery | None) -> SaveSearchForm | None:
    """The "Save this search" form for the search page's query (vendors only)."""
    if q is None or not current_user.is_authenticated or current_user.role != "vendor":
        return None
    query = alerts.clean_query(q.to_dict())
    return SaveSearchForm(formdata=None, name=alerts.default_name(query), alert_mode="instant",
                          query=json.dumps(query.to_dict()))


# --- vendors: recommendations and saved searches ----------------------------------------------


@bp.route("/recommended")
@roles("vendor")
def recommended():
    """List open opportunities recommended for our business, each with why."""
    return render_template("matching/recommended.html", matches=recommended_for_me(limit=25), now=clock.utcnow())


@bp.route("/saved-searches", methods=["POST"])
@roles("vendor")
def save_search():
    """Save the search shown on the search page, with a name and an alert mode."""
    form = SaveSearchForm()
    if form.validate_on_submit():
        try:
            query = alerts.clean_query(json.loads(form.query.data or "{}"))
            alerts.save_search(current_user, query, name=form.name.data, alert_mode=form.alert_mode.data,
                               now=clock.utcnow())
        except (ValueError, DomainError) as error:
            if isinstance(error, DomainError):
                apply_domain_error(form, error)
            else:
                form.form_errors.append("That search could not be saved; run it again and retry.")
        else:
            flash(f"Saved “{' '.join(form.name.data.split())}”. {SAVED_NOTES[form.alert_mode.data]}", "success")
            return redirect(url_for(".saved_list"))
    return render_template("matching/save.html", form=form), 422


def _list_page(forms: dict | None = None, status: int = 200):
    searches = alerts.list_own(current_user)
    forms = forms or {}
    for search in searches:
        forms.setdefault(search.id, SavedSearchForm(formdata=None, prefix=f"s{search.id}", name=search.name,
                                                    alert_mode=search.alert_mode))
    return render_template("matching/saved_list.html", searches=searches, forms=forms, modes=alerts.ALERT_MODES,
                           action_form=ActionForm(formdata=None), describe=alerts.default_name,
                           query_of=alerts.saved_query), status


@bp.route("/saved-searches")
@roles("vendor")
def saved_list():
    """List our saved searches: rename, change alerts, run, delete."""
    return _list_page()


@bp.route("/saved-searches/<int:search_id>", methods=["POST"])
@roles("vendor")
def update_search(search_id: int):
    """Rename a saved search or change how its alerts come."""
    search = alerts.get_own(search_id, current_user)
    form = SavedSearchForm(prefix=f"s{search.id}")
    if form.validate_on_submit():
        try:
            alerts.update_search(search, name=form.name.data, alert_mode=form.alert_mode.data, now=clock.utcnow())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Updated “{search.name}”: {alerts.ALERT_MODES[search.alert_mode].lower()}.", "success")
            return redirect(url_for(".saved_list"))
    return _list_page({search.id: form}, 422)


@bp.route("/saved-searches/<int:search_id>/delete", methods=["POST"])
@roles("vendor")
def delete_search(search_id: int):
    """Delete a saved search."""
    search = alerts.get_own(search_id, current_user)
    name = search.name
    alerts.delete_search(search)
    flash(f"Deleted “{name}”.", "success")
    return redirect(url_for(".saved_list"))


@bp.route("/saved-searches/<int:search_id>/run")
@roles("vendor")
def run_search(search_id: int):
    """Run a saved search on the search page."""
    search = alerts.get_own(search_id, current_user)
    return redirect(url_for("search.opportunities", **alerts.search_args(alerts.saved_query(search))))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """Stop a saved search's emails from the link in them, without logging in (GET asks, POST does it)."""
    search = alerts.by_token(token)
    done = request.method == "POST"  # CSRF is checked for every POST before the view runs
    if done:
        alerts.unsubscribe(search, now=clock.utcnow())
    return render_template("matching/unsubscribe.html", search=search, form=ActionForm(formdata=None), done=done,
                           modes=alerts.ALERT_MODES)


@bp.route("/alerts/unsubscribe/<token>/one-click", methods=["POST"])
@public
@csrf.exempt
def unsubscribe_one_click(token: str):
    """One-click unsubscribe from a mail client's button (RFC 8058).

    The client POSTs `List-Unsubscribe=One-Click` with no cookies and no CSRF token: the secret
    token in the address is the authority, as for the link in the email's text.
    """
    if request.form.get("List-Unsubscribe") != "One-Click":
        return "Send List-Unsubscribe=One-Click to unsubscribe.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    alerts.unsubscribe(alerts.by_token(token), now=clock.utcnow())
    return "You are unsubscribed from these alerts.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


# --- officers: suggested vendors and invitations ----------------------------------------------


@bp.route("/manage/opportunities/<int:opportunity_id>/suggested-vendors")
@roles("officer")
def suggested(opportunity_id: int):
    """List vendors suggested for one of our draft or open opportunities, with why, to invite them."""
    now = clock.utcnow()
    opportunity = get_for_officer(opportunity_id, current_user)
    only = bool(request.args.get("local_or_diverse"))
    status = lifecycle.status(opportunity, now)
    can_invite = status in lifecycle.ALLOWED["invite_vendor"]
    matches = services.suggest_vendors(opportunity, now=now, limit=50, only_local_or_diverse=only) if can_invite else []
    return render_template("matching/suggested.html", opportunity=opportunity, matches=matches, only=only,
                           status=status, can_invite=can_invite, invited=invitations.invited_vendor_ids(opportunity),
                           form=ActionForm(formdata=None))


@bp.route("/manage/opportunities/<int:opportunity_id>/invitations/<int:vendor_id>", methods=["POST"])
@roles("officer")
def invite(opportunity_id: int, vendor_id: int):
    """Invite a suggested vendor to bid (recorded, audited, emailed once the opportunity is published)."""
    now = clock.utcnow()
    opportunity = get_for_officer(opportunity_id, current_user)
    invitation, created = invitations.invite_vendor(opportunity, vendor_id, actor=current_user, now=now)
    vendor = db.session.get(Vendor, invitation.vendor_id)
    name = vendor.dba or vendor.legal_name
    if not created:
        flash(f"{name} was already invited.", "info")
    elif opportunity.published_at is None:
        flash(f"{name} is invited. The email goes out when you publish this opportunity.", "success")
    else:
        flash(f"{name} is invited; the invitation was emailed.", "success")
    back = request.form.get("back")
    if back == "suggested":
        return redirect(url_for(".suggested", opportunity_id=opportunity.id))
    return redirect(url_for("opportunities.manage_detail", opportunity_id=opportunity.id) + "#suggested-vendors")

