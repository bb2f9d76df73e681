"""Bid pages: submit or revise, the receipt, withdrawal, "My bids", a bid's versions, the tabulation.

Every refusal leaves the database as it was: failed forms answer 422 (bad input) or 409
(closed, not accepting bids), and the request boundary rolls back anything flushed.
"""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import audit, clock, db
from marketplace.access import roles
from marketplace.awards import services as award_services
from marketplace.awards.forms import award_panel
from marketplace.bids import bp, services
from marketplace.bids import tabulation as tabulation_service
from marketplace.bids.forms import BidForm, ConfirmForm
from marketplace.bids.models import BidVersion
from marketplace.documents.services import register_access_rule
from marketplace.errors import DomainError, NotFound
from marketplace.opportunities import lifecycle, services as opportunity_services
from marketplace.opportunities.forms import apply_domain_error, choices
from marketplace.opportunities.manage_views import store_files
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.public_views import common_context
from marketplace.vendors.eligibility import check_set_aside
from marketplace.vendors.models import Vendor

# A bid's documents are sealed like the bid itself (checked by documents.download).
register_access_rule(services.bid_document_access)


def _live_version(bid) -> BidVersion | None:
    return next((v for v in bid.versions if v.version == bid.current_version), None) if bid else None


@bp.route("/opportunities/<int:opportunity_id>/bid", methods=["GET", "POST"])
@roles("vendor")
def submit(opportunity_id: int):
    """Submit a bid, or revise the live one; the server's clock decides whether it is on time."""
    now = clock.utcnow()
    opportunity = opportunity_services.get_visible(opportunity_id, now)
    bid = services.live_bid(opportunity.id, current_user.vendor_id)
    current = _live_version(bid)
    form = BidForm()
    form.keep_documents.choices = choices((d.document.id, d.document.filename) for d in (current.documents if current else []))
    if request.method == "GET" and current is not None:
        form.amount.data = f"{current.amount:.2f}" if current.amount is not None else ""
        form.narrative.data = current.narrative
        form.keep_documents.data = [d.document.id for d in current.documents]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            services.ensure_accepting(opportunity, "submit_bid", now)
            kept = [d.document for d in (current.documents if current else [])
                    if d.document.id in (form.keep_documents.data or [])]
            uploaded = store_files(form.documents, vendor_id=current_user.vendor_id)
            if not kept and not uploaded:
                raise DomainError("Attach at least one document.",
                                  {"documents": ["Attach at least one document (PDF, PNG or JPEG)."]})
            receipt = services.submit_bid(opportunity, user=current_user, amount=form.amount.data,
                                          narrative=form.narrative.data or "", documents=kept + uploaded, now=now)
        except NotFound:
            raise
        except DomainError as error:
            status = 422 if apply_domain_error(form, error) else error.status_code
        else:
            flash("Your bid was received. Keep this receipt; we have also emailed it to you.", "success")
            return redirect(url_for(".receipt", bid_id=receipt.bid_id, version=receipt.version))
    vendor = db.session.get(Vendor, current_user.vendor_id)
    eligibility = check_set_aside(vendor, opportunity.set_aside, opportunity.institution, now.date())
    return render_template("bids/submit.html", form=form, opportunity=opportunity, bid=bid, current=current,
                           status=lifecycle.status(opportunity, now), eligibility=eligibility,
                           **common_context(now)), status


@bp.route("/bids/<int:bid_id>/receipt")
@roles("vendor")
def receipt(bid_id: int):
    """Show the receipt of one version (`?version=`, else the latest): server UTC time, SHA-256 of each document."""
    now = clock.utcnow()
    bid = services.get_visible_bid(bid_id, user=current_user)
    version = request.args.get("version", bid.current_version, type=int)
    return render_template("bids/receipt.html", bid=bid, receipt=services.receipt_for(bid, version),
                           opportunity=bid.opportunity, **common_context(now))


@bp.route("/bids/<int:bid_id>")
@roles("vendor", "officer", "backbone")
def detail(bid_id: int):
    """Show a bid and all its versions (the bidder always; officers and backbone once opened)."""
    now = clock.utcnow()
    bid = services.get_visible_bid(bid_id, user=current_user)
    return render_template("bids/detail.html", bid=bid, opportunity=bid.opportunity,
                           versions=sorted(bid.versions, key=lambda v: v.version, reverse=True),
                           **common_context(now))


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@roles("vendor")
def withdraw(bid_id: int):
    """Confirm, then withdraw the live bid before closing (its versions stay on record)."""
    now = clock.utcnow()
    bid = services.get_visible_bid(bid_id, user=current_user)
    if bid.withdrawn_at is not None:
        raise NotFound("We could not find that bid.")
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = services.withdraw_bid(bid, user=current_user, now=now)
        except NotFound:
            raise
        except DomainError as error:
            form.form_errors.append(error.message)
            status = error.status_code
        else:
            flash("Your bid was withdrawn. You may submit a new one before the closing time.", "success")
            return redirect(url_for(".receipt", bid_id=result.bid_id, version=result.version))
    elif form.is_submitted():
        status = 400
    return render_template("bids/withdraw.html", form=form, bid=bid, opportunity=bid.opportunity,
                           **common_context(now)), status


@bp.route("/bids/mine")
@roles("vendor")
def mine():
    """List our bids, each with its versions."""
    now = clock.utcnow()
    return render_template("bids/mine.html", bids=services.vendor_bids(current_user),
                           awarded_bid_ids=award_services.awarded_bid_ids(current_user.vendor_id), **common_context(now))


def _tabulation_for(opportunity_id: int, now):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound("We could not find that opportunity.")
    return tabulation_service.tabulate(opportunity, actor=current_user, now=now)


@bp.route("/opportunities/<int:opportunity_id>/tabulation")
@roles("officer", "backbone")
def tabulation(opportunity_id: int):
    """Show the bid tabulation once the bids are opened."""
    now = clock.utcnow()
    result = _tabulation_for(opportunity_id, now)
    return render_template("bids/tabulation.html", tabulation=result, opportunity=result.opportunity,
                           award_panel=award_panel(result, current_user, now), **common_context(now))


@bp.route("/opportunities/<int:opportunity_id>/tabulation.csv")
@roles("officer", "backbone")
def tabulation_csv(opportunity_id: int):
    """Download the bid tabulation as CSV (audited)."""
    now = clock.utcnow()
    result = _tabulation_for(opportunity_id, now)
    audit.record("bids.tabulation_exported", "opportunity", opportunity_id, actor=current_user, at=now,
                 institution_id=result.opportunity.institution_id)
    response = make_response(tabulation_service.to_csv(result))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{result.opportunity.reference}-tabulation.csv"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
