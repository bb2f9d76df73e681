"""Two-way matching with reasons: opportunities recommended to a vendor, vendors suggested to an officer.

Candidates come from one SQL query (NAICS overlap or a shared word, capped at
MAX_CANDIDATES, exact NAICS first); scoring runs in Python on the candidates. The tiers never
overlap: a shared 6-digit code outweighs a shared 4-digit industry group, which outweighs
any number of shared words; local and verified diverse certifications add a bonus within a
tier. Every match carries its reasons, joined by " · " for display.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace import db
from marketplace.institutions.models import Institution, LocalRule
from marketplace.matching import words
from marketplace.models_common import DIVERSE_TYPES
from marketplace.naics import catalog
from marketplace.opportunities import lifecycle
from marketplace.opportunities.models import Opportunity, OpportunityNaics
from marketplace.vendors.eligibility import SET_ASIDE_TYPES, enabled_types, verified_certifications_on
from marketplace.vendors.local import is_local, normalize_county, rule_for, rule_region
from marketplace.vendors.models import Vendor, VendorNaics

MAX_CANDIDATES = 500
MAX_WORD_TERMS = 12  # words used to find candidates in SQL (all are used for scoring)
EXACT_NAICS = 1000
GROUP_NAICS = 300
PER_WORD = 20
MAX_WORDS_SCORED = 10  # 10 x 20 = 200 < GROUP_NAICS: words never outrank a NAICS tier
LOCAL_BONUS = 50
DIVERSE_BONUS = 50
SMALL_BONUS = 20
WORDS_SHOWN = 3
SET_ASIDE_NAMES = {"small": "small-business", "mwbe": "MWBE", "diverse": "diverse-business"}


@dataclass
class Match:
    """A scored match and why: `item` is an Opportunity or a Vendor."""

    item: Opportunity | Vendor
    score: int
    reasons: list[str] = field(default_factory=list)
    eligible: bool = True
    local: bool = False
    diverse: tuple[str, ...] = ()

    @property
    def reason_text(self) -> str:
        """The reasons as shown: "NAICS 561720 · local to Broward County · mentions 'janitorial'"."""
        return " · ".join(self.reasons)


@dataclass
class _Facts:
    """What scoring needs about the place and date, read once per call."""

    on: date
    rule: LocalRule | None
    enabled: tuple[str, ...]


def local_date(institution: Institution, now: datetime) -> date:
    """The date at `now` in the institution's zone (eligibility and local status are by date)."""
    return now.astimezone(ZoneInfo(institution.timezone)).date()


def _facts(institution: Institution, now: datetime, enabled: tuple[str, ...]) -> _Facts:
    return _Facts(local_date(institution, now), rule_for(institution), enabled)


def _county_label(county: str) -> str:
    return county if county.lower().endswith((" county", " parish", " borough")) else f"{county} County"


def _local_reason(vendor: Vendor, facts: _Facts) -> str | None:
    if facts.rule is None:
        return None
    status = is_local(vendor, facts.rule, facts.on)
    if not status.is_local or status.address is None:
        return None
    address = status.address
    counties, _ = rule_region(facts.rule)
    if address.county and (address.state.upper(), normalize_county(address.county)) in counties:
        return f"local to {_county_label(address.county)}"
    return f"local to {facts.rule.name} (ZIP {address.zip})"


def _eligibility(vendor: Vendor, set_aside: str, facts: _Facts, local: str | None) -> tuple[bool, str | None]:
    """(eligible, reason) for a set-aside, from preloaded facts (no query per vendor)."""
    if set_aside == "none":
        return True, None
    if set_aside == "local":
        return (True, "eligible for the local set-aside") if local else (False, "not eligible: local businesses only")
    types = tuple(t for t in SET_ASIDE_TYPES[set_aside] if t in facts.enabled)
    held = verified_certifications_on(vendor, facts.on, types)
    if held:
        return True, f"eligible for the {SET_ASIDE_NAMES[set_aside]} set-aside (verified {held[0].type})"
    return False, f"not eligible: needs a verified {'/'.join(types) or 'certification'}"


def _naics(codes: set[str], other: set[str]) -> tuple[int, str | None]:
    """Score and reason for NAICS fit between our codes and theirs."""
    exact = sorted(codes & other)
    if exact:
        return EXACT_NAICS + 10 * (len(exact) - 1), "NAICS " + ", ".join(exact[:3])
    groups = sorted({catalog.industry_group(c) for c in codes} & {catalog.industry_group(c) for c in other})
    if groups:
        title = catalog.title(groups[0])
        return GROUP_NAICS, f"same industry group {groups[0]}" + (f" ({title})" if title else "")
    return 0, None


def _mentions(shared: list[str]) -> tuple[int, str | None]:
    if not shared:
        return 0, None
    score = PER_WORD * min(len(shared), MAX_WORDS_SCORED)
    return score, "mentions " + ", ".join(f"'{w}'" for w in shared[:WORDS_SHOWN])


def _opportunity_text(opportunity: Opportunity) -> dict[str, str]:
    return words.stems(f"{opportunity.title}\n{opportunity.description}")


def _word_condition(columns, stems: list[str]) -> list[sa.ColumnElement[bool]]:
    return [sa.or_(*(sa.func.lower(sa.func.coalesce(c, "")).contains(s, autoescape=True) for c in columns))
            for s in stems[:MAX_WORD_TERMS]]


def score_opportunity(vendor: Vendor, opportunity: Opportunity, facts: _Facts,
                      capability: dict[str, str] | None = None) -> Match | None:
    """Score one opportunity for a vendor; None when nothing relates them (no NAICS, no words)."""
    capability = words.stems(vendor.capability_statement) if capability is None else capability
    naics_score, naics_reason = _naics({n.code for n in vendor.naics_codes}, {n.code for n in opportunity.naics_codes})
    word_score, word_reason = _mentions(words.shared(capability, _opportunity_text(opportunity)))
    if not naics_score and not word_score:
        return None
    local = _local_reason(vendor, facts)
    eligible, eligibility_reason = _eligibility(vendor, opportunity.set_aside, facts, local)
    reasons = [r for r in (naics_reason, local, eligibility_reason, word_reason) if r]
    score = naics_score + word_score + (LOCAL_BONUS if local else 0)
    return Match(opportunity, score, reasons, eligible, local=bool(local))


def recommend_opportunities(vendor: Vendor, *, now: datetime, limit: int = 10) -> list[Match]:
    """Open opportunities for a vendor, best first; ones it is not eligible for come last, flagged."""
    codes = {n.code for n in vendor.naics_codes}
    capability = words.stems(vendor.capability_statement)
    o, on = Opportunity, OpportunityNaics
    exact = sa.exists().where(on.opportunity_id == o.id, on.code.in_(codes)) if codes else sa.false()
    conditions = _word_condition((o.title, o.description), list(capability))
    if codes:
        groups = {catalog.industry_group(c) for c in codes}
        conditions += [exact, sa.exists().where(on.opportunity_id == o.id, sa.func.substr(on.code, 1, 4).in_(groups))]
    if not conditions:
        return []
    candidates = db.session.scalars(
        sa.select(o).where(lifecycle.status_filter("open", now), sa.or_(*conditions))
        .order_by(sa.case((exact, 0), else_=1), o.closes_at, o.id).limit(MAX_CANDIDATES)
        .options(selectinload(o.naics_codes), selectinload(o.institution))).all()
    enabled = enabled_types()
    facts_by_institution: dict[int, _Facts] = {}
    matches = []
    for opportunity in candidates:
        if opportunity.institution_id not in facts_by_institution:
            facts_by_institution[opportunity.institution_id] = _facts(opportunity.institution, now, enabled)
        match = score_opportunity(vendor, opportunity, facts_by_institution[opportunity.institution_id], capability)
        if match is not None:
            matches.append(match)
    matches.sort(key=lambda m: (not m.eligible, -m.score, m.item.title.lower(), m.item.id))
    return matches[:limit]


def score_vendor(opportunity: Opportunity, vendor: Vendor, facts: _Facts,
                 posting: dict[str, str] | None = None) -> Match | None:
    """Score one vendor for an opportunity; None when nothing relates them or it is not eligible."""
    posting = _opportunity_text(opportunity) if posting is None else posting
    naics_score, naics_reason = _naics({n.code for n in opportunity.naics_codes}, {n.code for n in vendor.naics_codes})
    word_score, word_reason = _mentions(words.shared(posting, words.stems(vendor.capability_statement)))
    if not naics_score and not word_score:
        return None
    local = _local_reason(vendor, facts)
    eligible, eligibility_reason = _eligibility(vendor, opportunity.set_aside, facts, local)
    if not eligible:
        return None
    diverse = sorted({c.type for c in verified_certifications_on(
        vendor, facts.on, tuple(t for t in DIVERSE_TYPES if t in facts.enabled))})
    small = bool(verified_certifications_on(vendor, facts.on, tuple(t for t in ("SBE",) if t in facts.enabled)))
    certified = diverse + (["SBE"] if small else [])
    reasons = [naics_reason, local, "verified " + ", ".join(certified) if certified else None,
               eligibility_reason if opportunity.set_aside not in ("none", "local") else None, word_reason]
    score = (naics_score + word_score + (LOCAL_BONUS if local else 0) + (DIVERSE_BONUS if diverse else 0)
             + (SMALL_BONUS if small else 0))
    return Match(vendor, score, [r for r in reasons if r], True, local=bool(local), diverse=tuple(diverse))


def _vendor_candidates(opportunity: Opportunity, posting: dict[str, str]) -> list[Vendor]:
    codes = {n.code for n in opportunity.naics_codes}
    v, vn = Vendor, VendorNaics
    exact = sa.exists().where(vn.vendor_id == v.id, vn.code.in_(codes)) if codes else sa.false()
    conditions = _word_condition((v.capability_statement,), list(posting))
    if codes:
        groups = {catalog.industry_group(c) for c in codes}
        conditions += [exact, sa.exists().where(vn.vendor_id == v.id, sa.func.substr(vn.code, 1, 4).in_(groups))]
    if not conditions:
        return []
    return list(db.session.scalars(
        sa.select(v).where(v.registration_completed_at.is_not(None), sa.or_(*conditions))
        .order_by(sa.case((exact, 0), else_=1), v.id).limit(MAX_CANDIDATES)
        .options(selectinload(v.naics_codes), selectinload(v.addresses), selectinload(v.certifications))))


def suggest_vendors(opportunity: Opportunity, *, now: datetime, limit: int = 20,
                    only_local_or_diverse: bool = False) -> list[Match]:
    """Registered vendors eligible to bid on an opportunity, best first, each with its reasons."""
    posting = _opportunity_text(opportunity)
    facts = _facts(opportunity.institution, now, enabled_types())
    matches = []
    for vendor in _vendor_candidates(opportunity, posting):
        match = score_vendor(opportunity, vendor, facts, posting)
        if match is None:
            continue
        if only_local_or_diverse and not (match.local or match.diverse):
            continue
        matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.item.legal_name.lower(), m.item.id))
    return matches[:limit]


def explain_vendor(opportunity: Opportunity, vendor: Vendor, *, now: datetime) -> Match | None:
    """The match between one opportunity and one vendor, as suggest_vendors would score it."""
    return score_vendor(opportunity, vendor, _facts(opportunity.institution, now, enabled_types()))
