"""Who hears about awards and debriefs, through the outbox.

Only what the public award notice shows (awarded vendors, awarded amounts, contract dates)
ever appears in an email about another business: never other bidders' amounts or names.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from marketplace import db
from marketplace.auth.models import User
from marketplace.awards.models import Award, Contract, DebriefRequest
from marketplace.bids.models import Bid
from marketplace.mail.services import enqueue_template
from marketplace.opportunities.models import Opportunity
from marketplace.opportunities.notify import bidder_vendor_ids, interested_vendor_ids


def _url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _users_of(vendor_ids: set[int]) -> list[User]:
    if not vendor_ids:
        return []
    return list(db.session.scalars(sa.select(User).where(
        User.vendor_id.in_(vendor_ids), User.role == "vendor", User.active.is_(True)).order_by(User.id)))


def _officers_of(institution_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.institution_id == institution_id, User.role == "officer", User.active.is_(True)).order_by(User.id)))


def _send(users: list[User], subject: str, template: str, key: str, **context) -> None:
    for user in users:
        enqueue_template(user.email, subject, template, dedupe_key=f"{key}:user-{user.id}", user=user, **context)


def awarded(opportunity: Opportunity, new: list[Award], active: list[Award], now: datetime) -> None:
    """Winners hear they won; other live bidders hear who won and may ask a debrief; followers get the notice."""
    contracts = {c.award_id: c for c in db.session.scalars(
        sa.select(Contract).where(Contract.award_id.in_([a.id for a in new])))}
    context = dict(opportunity=opportunity, awards=active, notice_url=_url(f"/opportunities/{opportunity.id}/award"))
    for award in new:
        _send(_users_of({award.vendor_id}), f"You have been awarded: {opportunity.title}", "award_winner",
              f"award-{award.id}-winner", award=award, contract=contracts.get(award.id), **context)
    winners = {a.vendor_id for a in active}
    batch = f"opp-{opportunity.id}-award-{min(a.id for a in new)}"
    unsuccessful = bidder_vendor_ids(opportunity) - winners
    _send(_users_of(unsuccessful), f"Award made: {opportunity.title}", "award_unsuccessful", f"{batch}-unsuccessful",
          debrief_url=_url(f"/opportunities/{opportunity.id}/debrief"), **context)
    any_bid = set(db.session.scalars(sa.select(Bid.vendor_id).where(Bid.opportunity_id == opportunity.id)))
    others = (interested_vendor_ids(opportunity) | any_bid) - unsuccessful - winners
    _send(_users_of(others), f"Award notice: {opportunity.title}", "award_notice", f"{batch}-notice", **context)


def award_cancelled(opportunity: Opportunity, award: Award, now: datetime) -> None:
    """The vendor whose award was cancelled is told, with the reason."""
    _send(_users_of({award.vendor_id}), f"Award cancelled: {opportunity.title}", "award_cancelled",
          f"award-{award.id}-cancelled", opportunity=opportunity, award=award,
          url=_url(f"/opportunities/{opportunity.id}"))


def debrief_requested(opportunity: Opportunity, debrief: DebriefRequest, now: datetime) -> None:
    """The institution's officers hear of a new debrief request."""
    _send(_officers_of(opportunity.institution_id), f"Debrief requested: {opportunity.title}",
          "award_debrief_requested", f"debrief-{debrief.id}-requested", opportunity=opportunity,
          debrief=debrief, url=_url("/manage/debriefs"))


def debrief_answered(opportunity: Opportunity, debrief: DebriefRequest, now: datetime) -> None:
    """The vendor that asked receives the debrief."""
    _send(_users_of({debrief.vendor_id}), f"Your debrief: {opportunity.title}", "award_debrief_answered",
          f"debrief-{debrief.id}-answered", opportunity=opportunity, debrief=debrief,
          url=_url(f"/opportunities/{opportunity.id}/debrief"))
