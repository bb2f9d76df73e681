"""Saved searches and their alerts: instant (at publish, in its transaction) or a daily digest.

An alert is a `SavedSearchAlert` row, unique per (saved search, opportunity): whichever path
records it first sends the email, and nothing is ever alerted twice. Only opportunities
published after the search was saved are alerted. Emails go through the outbox.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace import audit, db
from marketplace.auth.models import User
from marketplace.errors import DomainError, NotFound
from marketplace.mail.services import enqueue_template
from marketplace.matching import invitations
from marketplace.models_common import OPPORTUNITY_TYPES, SET_ASIDES
from marketplace.naics import catalog
from marketplace.opportunities import lifecycle, notify
from marketplace.opportunities.models import Opportunity
from marketplace.search.models import SavedSearch, SavedSearchAlert
from marketplace.search.query import OPPORTUNITY_SORTS, OPPORTUNITY_STATUSES, OpportunityQuery, parse
from marketplace.search.service import opportunity_matches

ALERT_MODES = {"instant": "As they are published", "daily": "In a daily digest", "off": "No emails"}
MAX_SAVED_PER_USER = 50
MAX_NAME = 200
SET_ASIDE_WORDS = {"none": "no set-aside", "small": "small-business set-aside", "local": "local set-aside",
                   "mwbe": "MWBE set-aside", "diverse": "diverse-business set-aside"}
TYPE_WORDS = {"RFP": "RFP", "RFQ": "RFQ", "ITB": "ITB", "informal_quote": "informal quote"}


def _url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- the saved query --------------------------------------------------------------------------


def clean_query(data: object) -> OpportunityQuery:
    """An OpportunityQuery from untrusted JSON, keeping only valid values; the closing window is not kept."""
    if not isinstance(data, dict):
        raise DomainError("That search could not be saved.", {"query": ["The search is not valid."]})

    def strings(name: str, allowed=None, limit: int = 10) -> tuple[str, ...]:
        values = data.get(name) or []
        if not isinstance(values, list):
            return ()
        kept = [v for v in values if isinstance(v, str) and (allowed is None or v in allowed)]
        return tuple(dict.fromkeys(kept))[:limit]

    text = data.get("text") if isinstance(data.get("text"), str) else ""
    naics = tuple(c for c in strings("naics") if c.isdigit() and 2 <= len(c) <= 6)
    ids = data.get("institution_ids") or []
    institution_ids = tuple(dict.fromkeys(
        i for i in (ids if isinstance(ids, list) else []) if isinstance(i, int) and not isinstance(i, bool) and i > 0))[:20]
    sort = data.get("sort") if data.get("sort") in OPPORTUNITY_SORTS else "relevance"
    return OpportunityQuery(
        text=text[:200], naics=naics, institution_ids=institution_ids, set_asides=strings("set_asides", SET_ASIDES),
        types=strings("types", OPPORTUNITY_TYPES), statuses=strings("statuses", OPPORTUNITY_STATUSES) or ("open",),
        sort=sort)


def saved_query(search: SavedSearch) -> OpportunityQuery:
    """The saved search's query."""
    return clean_query(search.query or {})


def default_name(q: OpportunityQuery) -> str:
    """A name describing the query, for the save form."""
    parts = [parse(q.text).display()] if not parse(q.text).is_empty else []
    parts += [f"NAICS {c}" for c in q.naics[:3]]
    parts += [SET_ASIDE_WORDS.get(s, s) for s in q.set_asides[:2]]
    parts += [TYPE_WORDS.get(t, t) for t in q.types[:2]]
    return (", ".join(parts) or "All open opportunities")[:MAX_NAME]


def search_args(q: OpportunityQuery) -> dict[str, object]:
    """The search page's URL arguments for a query (to run a saved search)."""
    args: dict[str, object] = {"filtered": "1"}
    if q.text:
        args["q"] = q.text
    if q.naics:
        args["naics"] = " ".join(q.naics)
    for key, values in (("status", q.statuses), ("set_aside", q.set_asides), ("type", q.types),
                        ("institution", [str(i) for i in q.institution_ids])):
        if values:
            args[key] = list(values)
    if q.sort != "relevance":
        args["sort"] = q.sort
    return args


# --- saving, changing, deleting ---------------------------------------------------------------


def _check(name: str, alert_mode: str) -> str:
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Enter a name for this search."]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"Use at most {MAX_NAME} characters."]
    if alert_mode not in ALERT_MODES:
        errors["alert_mode"] = ["Choose how to hear about new matches."]
    if errors:
        raise DomainError("Please correct the saved search.", errors)
    return name


def save_search(user: User, q: OpportunityQuery, *, name: str, alert_mode: str, now: datetime) -> SavedSearch:
    """Save a vendor user's search with a name and an alert mode."""
    if user.role != "vendor":
        raise NotFound("Only vendors save searches.")
    name = _check(name, alert_mode)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id))
    if count >= MAX_SAVED_PER_USER:
        raise DomainError(f"You can keep at most {MAX_SAVED_PER_USER} saved searches; delete one first.")
    search = SavedSearch(user_id=user.id, name=name, query=q.to_dict() | {"closes_after": None, "closes_before": None},
                         alert_mode=alert_mode, unsubscribe_token=secrets.token_urlsafe(32), created_at=now,
                         last_digest_at=None)
    db.session.add(search)
    db.session.flush()
    return search


def get_own(search_id: int, user: User) -> SavedSearch:
    """A saved search of this user, or NotFound."""
    search = db.session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        raise NotFound("We could not find that saved search.")
    return search


def list_own(user: User) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())))


def update_search(search: SavedSearch, *, name: str, alert_mode: str, now: datetime) -> None:
    """Rename a saved search or change how its alerts come; turning alerts on starts from now."""
    name = _check(name, alert_mode)
    if alert_mode != search.alert_mode and alert_mode != "off":
        search.last_digest_at = now  # no backlog of what was published while alerts were off or instant
    search.name, search.alert_mode = name, alert_mode


def delete_search(search: SavedSearch) -> None:
    """Delete a saved search and its record of alerts."""
    db.session.execute(sa.delete(SavedSearchAlert).where(SavedSearchAlert.saved_search_id == search.id))
    db.session.delete(search)
    db.session.flush()


def by_token(token: str) -> SavedSearch:
    """The saved search an unsubscribe link names, or NotFound."""
    search = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.unsubscribe_token == token[:64]))
    if search is None:
        raise NotFound("This unsubscribe link is not valid. It may belong to a search that was deleted.")
    return search


def unsubscribe(search: SavedSearch, *, now: datetime) -> None:
    """Stop a saved search's emails (one click from the email, no login)."""
    if search.alert_mode != "off":
        search.alert_mode = "off"
        audit.record("saved_search.unsubscribed", "saved_search", search.id, at=now,
                     detail={"user_id": search.user_id})


# --- why an opportunity matched ---------------------------------------------------------------


def match_reasons(q: OpportunityQuery, opportunity: Opportunity) -> list[str]:
    """Which parts of the saved query the opportunity matched, in words."""
    reasons = []
    parsed = parse(q.text)
    if not parsed.is_empty:
        reasons.append(f"matches your keywords {parsed.display()}")
    codes = [n.code for n in opportunity.naics_codes]
    for prefix in q.naics:
        hit = next((c for c in codes if c.startswith(prefix)), None)
        if hit:
            title = catalog.title(prefix)
            reasons.append(f"NAICS {hit}" + (f" (in {prefix} {title})" if len(prefix) < 6 and title else ""))
    if q.set_asides:
        reasons.append(SET_ASIDE_WORDS.get(opportunity.set_aside, opportunity.set_aside))
    if q.types:
        reasons.append(TYPE_WORDS.get(opportunity.type, opportunity.type))
    if q.institution_ids:
        reasons.append(f"posted by {opportunity.institution.name}")
    return reasons or ["a new open opportunity (your search has no keywords or filters)"]


def _could_match(q: OpportunityQuery, opportunity: Opportunity) -> bool:
    """Cheap filters first, so the full match runs only on plausible searches."""
    codes = [n.code for n in opportunity.naics_codes]
    return ((not q.naics or any(c.startswith(p) for c in codes for p in q.naics))
            and (not q.institution_ids or opportunity.institution_id in q.institution_ids)
            and (not q.set_asides or opportunity.set_aside in q.set_asides)
            and (not q.types or opportunity.type in q.types))


def _record(search: SavedSearch, opportunities: list[tuple[Opportunity, str]], now: datetime) -> bool:
    """Insert the alert rows; False when another run recorded one first (then nothing is sent)."""
    try:
        with db.session.begin_nested():
            db.session.add_all([SavedSearchAlert(saved_search_id=search.id, opportunity_id=o.id, reason=reason,
                                                 created_at=now, sent_at=now) for o, reason in opportunities])
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _active_searches(mode: str):
    return (sa.select(SavedSearch, User).join(User, User.id == SavedSearch.user_id)
            .where(SavedSearch.alert_mode == mode, User.active.is_(True), User.role == "vendor")
            .order_by(SavedSearch.id))


# --- instant alerts and invitations at publish ------------------------------------------------


def on_published(opportunity: Opportunity, now: datetime) -> None:
    """At publish, in its transaction: send draft-time invitations and the instant alerts."""
    invitations.send_pending_invitations(opportunity, now)
    published_at = opportunity.published_at or now
    searches = db.session.execute(_active_searches("instant").where(SavedSearch.created_at <= published_at)).all()
    for search, user in searches:
        q = saved_query(search)
        if not _could_match(q, opportunity) or not opportunity_matches(q, opportunity, now=now):
            continue
        already = db.session.scalar(sa.select(SavedSearchAlert.id).where(
            SavedSearchAlert.saved_search_id == search.id, SavedSearchAlert.opportunity_id == opportunity.id))
        reason = " · ".join(match_reasons(q, opportunity))
        if already is not None or not _record(search, [(opportunity, reason)], now):
            continue
        enqueue_template(user.email, f"New opportunity for “{search.name}”: {opportunity.title}", "alert_instant",
                         dedupe_key=f"alert-{search.id}-opp-{opportunity.id}",
                         list_unsubscribe=one_click_unsubscribe_url(search), user=user, search=search,
                         opportunity=opportunity, reason=reason, **_links(search, opportunity))


def one_click_unsubscribe_url(search: SavedSearch) -> str:
    """The address a mail client POSTs to for one-click unsubscribe (List-Unsubscribe, RFC 8058)."""
    return _url(f"/alerts/unsubscribe/{search.unsubscribe_token}/one-click")


def _links(search: SavedSearch, opportunity: Opportunity | None = None) -> dict[str, str]:
    links = {"unsubscribe_url": _url(f"/alerts/unsubscribe/{search.unsubscribe_token}"),
             "manage_url": _url("/saved-searches")}
    if opportunity is not None:
        links["url"] = _url(f"/opportunities/{opportunity.id}")
    return links


if on_published not in notify.published_listeners:
    notify.published_listeners.append(on_published)


# --- the daily digest -------------------------------------------------------------------------


@dataclass
class DigestSummary:
    """What one digest run did."""

    searches: int = 0
    emails: int = 0
    alerts: int = 0


def run_digest(now: datetime) -> DigestSummary:
    """For each daily saved search, email once the opportunities published since its last digest that match it."""
    summary = DigestSummary()
    stmt = _active_searches("daily").where(SavedSearch.created_at <= now)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=SavedSearch, skip_locked=True)  # two runs at once share the work
    rows = db.session.execute(stmt).all()
    if not rows:
        return summary
    earliest = min(s.last_digest_at or s.created_at for s, _ in rows)
    candidates = db.session.scalars(
        sa.select(Opportunity).where(lifecycle.status_filter("open", now), Opportunity.published_at > earliest,
                                     Opportunity.published_at <= now)
        .order_by(Opportunity.published_at, Opportunity.id)
        .options(selectinload(Opportunity.naics_codes), selectinload(Opportunity.institution))).all()
    alerted = {(row.saved_search_id, row.opportunity_id) for row in db.session.execute(
        sa.select(SavedSearchAlert.saved_search_id, SavedSearchAlert.opportunity_id).where(
            SavedSearchAlert.saved_search_id.in_([s.id for s, _ in rows]),
            SavedSearchAlert.opportunity_id.in_([o.id for o in candidates])))} if candidates else set()
    for search, user in rows:
        summary.searches += 1
        since = search.last_digest_at or search.created_at
        q = saved_query(search)
        found = [(o, " · ".join(match_reasons(q, o))) for o in candidates
                 if o.published_at > since and (search.id, o.id) not in alerted
                 and _could_match(q, o) and opportunity_matches(q, o, now=now)]
        search.last_digest_at = now
        if not found or not _record(search, found, now):
            continue
        key = hashlib.sha256(",".join(str(o.id) for o, _ in found).encode()).hexdigest()[:16]
        enqueue_template(user.email, f"{len(found)} new opportunit{'y' if len(found) == 1 else 'ies'} for “{search.name}”",
                         "alert_digest", dedupe_key=f"alert-digest-{search.id}-{key}",
                         list_unsubscribe=one_click_unsubscribe_url(search), user=user, search=search,
                         items=[(o, reason, _url(f"/opportunities/{o.id}")) for o, reason in found], **_links(search))
        summary.emails += 1
        summary.alerts += len(found)
    db.session.flush()
    return summary

