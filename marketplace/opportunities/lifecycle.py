"""An opportunity's status, derived from its timestamps, and the one table of allowed actions.

draft -> open -> closed -> awarded | cancelled | no_award. Nothing closes an opportunity but
the clock: `closed` is simply `now >= closes_at`.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.opportunities.models import Opportunity

STATUSES = ("draft", "open", "closed", "awarded", "cancelled", "no_award")

# action -> statuses in which it is allowed
ALLOWED: dict[str, frozenset[str]] = {
    "edit_draft": frozenset({"draft"}),
    "publish": frozenset({"draft"}),
    "issue_addendum": frozenset({"open"}),
    "ask_question": frozenset({"open"}),
    "answer_question": frozenset({"open", "closed"}),
    "follow": frozenset({"open", "closed", "awarded", "no_award", "cancelled"}),
    "invite_vendor": frozenset({"draft", "open"}),
    "submit_bid": frozenset({"open"}),
    "withdraw_bid": frozenset({"open"}),
    "acknowledge_addendum": frozenset({"open"}),
    "cancel": frozenset({"draft", "open", "closed"}),
    "open_bids": frozenset({"closed"}),
    "award": frozenset({"closed", "awarded"}),
    "no_award": frozenset({"closed"}),
}

ACTION_LABELS = {
    "edit_draft": "edit", "publish": "publish", "issue_addendum": "issue an addendum to",
    "ask_question": "ask a question on", "answer_question": "answer questions on",
    "follow": "follow", "invite_vendor": "invite vendors to", "submit_bid": "bid on",
    "withdraw_bid": "withdraw a bid from", "acknowledge_addendum": "acknowledge an addendum of",
    "cancel": "cancel", "open_bids": "open the bids of", "award": "award",
    "no_award": "mark no award on",
}


class TransitionNotAllowed(DomainError):
    """The action is not allowed in the opportunity's current status (409)."""


def status(opportunity: Opportunity, now: datetime) -> str:
    """The status at `now`, from the timestamps alone."""
    if opportunity.cancelled_at is not None:
        return "cancelled"
    if opportunity.no_award_at is not None:
        return "no_award"
    if opportunity.awarded_at is not None:
        return "awarded"
    if opportunity.published_at is None:
        return "draft"
    if now < opportunity.closes_at:
        return "open"
    return "closed"


def status_filter(wanted: str, now: datetime) -> sa.ColumnElement[bool]:
    """A SQL condition selecting opportunities whose status at `now` is `wanted`."""
    o = Opportunity
    terminal = sa.and_(o.cancelled_at.is_(None), o.no_award_at.is_(None), o.awarded_at.is_(None))
    if wanted == "cancelled":
        return o.cancelled_at.is_not(None)
    if wanted == "no_award":
        return sa.and_(o.cancelled_at.is_(None), o.no_award_at.is_not(None))
    if wanted == "awarded":
        return sa.and_(o.cancelled_at.is_(None), o.no_award_at.is_(None), o.awarded_at.is_not(None))
    if wanted == "draft":
        return sa.and_(terminal, o.published_at.is_(None))
    if wanted == "open":
        return sa.and_(terminal, o.published_at.is_not(None), o.closes_at > now)
    if wanted == "closed":
        return sa.and_(terminal, o.published_at.is_not(None), o.closes_at <= now)
    raise ValueError(f"unknown status {wanted!r}")


def require(action: str, opportunity: Opportunity, now: datetime) -> str:
    """Raise TransitionNotAllowed unless `action` is allowed now; return the status."""
    current = status(opportunity, now)
    if current not in ALLOWED[action]:
        label = ACTION_LABELS.get(action, action)
        raise TransitionNotAllowed(
            f"You cannot {label} an opportunity that is {current.replace('_', ' ')}.",
            {"status": [current]},
        )
    return current
