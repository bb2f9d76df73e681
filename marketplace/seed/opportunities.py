"""Opportunities in every status, laid out around the real clock, with their Q&A and followers."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from marketplace.models_common import DIVERSE_TYPES
from marketplace.opportunities.models import (
    Addendum,
    Follow,
    Opportunity,
    OpportunityInvitation,
    OpportunityNaics,
    Question,
)
from marketplace.search.models import SearchIndexEvent
from marketplace.seed import bids
from marketplace.seed.context import TZ, InstitutionRecord, SeedContext, VendorRecord, between, local_closing
from marketplace.seed_data import texts
from marketplace.seed_data.industries import INDUSTRIES, Industry

# "closed" is split in two: not yet opened, and opened (under evaluation).
STATUS_WEIGHTS = {"draft": 10, "open": 25, "closed": 7, "evaluation": 5, "awarded": 38, "cancelled": 8,
                  "no_award": 7}
SET_ASIDE_WEIGHTS = {"none": 70, "small": 10, "local": 10, "mwbe": 6, "diverse": 4}
TYPE_WEIGHTS = {"RFP": 35, "ITB": 30, "RFQ": 25, "informal_quote": 10}
WRITE_ORDER = (Opportunity, OpportunityNaics, Addendum) + bids.TABLES + (Question, Follow, OpportunityInvitation,
                                                                          SearchIndexEvent)


@dataclass(slots=True)
class Plan:
    """One opportunity being generated."""

    id: int
    institution: InstitutionRecord
    industry: Industry
    codes: list[str]
    status: str
    set_aside: str
    title: str
    estimate: int  # cents
    created_at: datetime
    closes_at: datetime
    published_at: datetime | None = None
    questions_deadline: datetime | None = None
    opened_at: datetime | None = None
    awarded_at: datetime | None = None
    cancelled_at: datetime | None = None
    no_award_at: datetime | None = None
    featured: bool = False
    pool: list[VendorRecord] = field(default_factory=list)

    @property
    def activity_end(self) -> datetime | None:
        """The last instant vendors could act (bid, ask, follow), or None for drafts."""
        if self.published_at is None:
            return None
        return min(x for x in (self.closes_at, self.cancelled_at) if x is not None)


def days(rng: random.Random, low: float, high: float) -> timedelta:
    """A duration between `low` and `high` days, to the minute."""
    return timedelta(minutes=rng.randrange(int(low * 1440), int(high * 1440)))


def lay_out(plan: Plan, rng: random.Random, now: datetime, history_days: int) -> None:
    """Set the timestamps that make the plan's status true at `now`."""
    today = now.astimezone(TZ).date()
    status = plan.status

    def closing(offset: int) -> datetime:
        return local_closing(today + timedelta(days=offset))

    if status == "draft":
        plan.closes_at = closing(rng.randrange(25, 61))
        plan.created_at = now - days(rng, 1, 20)
        plan.questions_deadline = plan.closes_at - timedelta(days=7)
        return
    if status == "open":
        plan.closes_at = closing(rng.randrange(2, 46))
        plan.published_at = now - days(rng, 0.1, 30)
    elif status in ("closed", "evaluation"):
        plan.closes_at = closing(-rng.randrange(1, 15) if status == "closed" else -rng.randrange(3, 30))
    elif status == "awarded":
        plan.closes_at = closing(-rng.randrange(60, history_days))
    elif status == "no_award":
        plan.closes_at = closing(-rng.randrange(20, 400))
    else:  # cancelled
        plan.closes_at = closing(rng.randrange(-300, 30))
    if plan.published_at is None:
        plan.published_at = min(plan.closes_at - days(rng, 21, 45), now - days(rng, 2, 10))
    plan.created_at = plan.published_at - days(rng, 2, 20)
    deadline = plan.closes_at - days(rng, 5, 10)
    plan.questions_deadline = deadline if deadline > plan.published_at + timedelta(days=1) else None
    if status in ("evaluation", "awarded", "no_award"):
        plan.opened_at = min(plan.closes_at + days(rng, 0.05, 3), now - timedelta(hours=1))
    if status == "awarded":
        plan.awarded_at = plan.opened_at + days(rng, 7, 45)
    elif status == "no_award":
        plan.no_award_at = min(plan.opened_at + days(rng, 3, 20), now - timedelta(minutes=30))
    elif status == "cancelled":
        plan.cancelled_at = between(rng, plan.published_at + timedelta(days=1),
                                    min(plan.closes_at, now) - timedelta(hours=1))


class OpportunityFactory:
    """Generates opportunities batch by batch and writes each batch in foreign-key order."""

    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.rng = ctx.rng("opportunities")
        self.bids = bids.BidFactory(ctx, self.rng)
        self.by_group: dict[str, list[VendorRecord]] = {}
        for vendor in ctx.vendors:
            if vendor.completed:
                for group in dict.fromkeys(code[:4] for code in vendor.codes):
                    self.by_group.setdefault(group, []).append(vendor)
        self.references = {inst.id: itertools.count(1) for inst in ctx.institutions}
        self.inst_weights = list(itertools.accumulate(i.spec.spend_weight for i in ctx.institutions))
        self.industry_weights = list(itertools.accumulate(i.weight for i in INDUSTRIES))
        self.history_days = 900 if ctx.scale.opportunities > 10_000 else 540
        self.planned = 0

    def plan(self) -> Plan:
        """Draw one opportunity's institution, industry, status and timeline.

        The first few are "featured": one per status at the demo officer's institution, in
        the demo vendor's industry with no set-aside, so every demo login has each case to see.
        """
        rng, ctx = self.rng, self.ctx
        institution = rng.choices(ctx.institutions, cum_weights=self.inst_weights)[0]
        industry = rng.choices(INDUSTRIES, cum_weights=self.industry_weights)[0]
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        set_aside = rng.choices(list(SET_ASIDE_WEIGHTS), weights=list(SET_ASIDE_WEIGHTS.values()))[0]
        featured = self.planned < len(STATUS_WEIGHTS)
        if featured:
            institution, industry = ctx.institutions[0], INDUSTRIES[0]
            status, set_aside = list(STATUS_WEIGHTS)[self.planned], "none"
        self.planned += 1
        codes = [industry.code]
        if industry.related and rng.random() < 0.3:
            codes.append(rng.choice(industry.related))
        low, high = industry.value
        estimate = int(low * (high / low) ** rng.random()) * 100
        plan = Plan(
            id=ctx.writer.new_id(Opportunity.__table__), institution=institution, industry=industry,
            codes=codes, status=status, set_aside=set_aside, featured=featured,
            title=rng.choice(industry.titles).format(site=rng.choice(institution.spec.sites)),
            estimate=estimate, created_at=ctx.now, closes_at=ctx.now,
        )
        lay_out(plan, rng, ctx.now, self.history_days)
        plan.pool = self.by_group.get(industry.code[:4], [])
        return plan

    def eligible(self, vendor: VendorRecord, plan: Plan) -> bool:
        """Set-aside eligibility on the day the opportunity was published."""
        day = (plan.published_at or plan.created_at).date()
        rule = plan.set_aside
        if rule == "none":
            return True
        if rule == "local":
            return vendor.local_on(day)
        if rule == "small":
            return vendor.verified_on(("SBE",), day)
        if rule == "mwbe":
            return vendor.verified_on(("MBE", "WBE"), day)
        return vendor.verified_on(DIVERSE_TYPES, day)

    def opportunity_row(self, plan: Plan) -> dict:
        """The opportunities row of a finished plan."""
        inst, rng = plan.institution, self.rng
        year = (plan.published_at or plan.created_at).year
        low = high = None
        if rng.random() < 0.8:
            low, high = bids.money_range(plan.estimate)
        phrase = rng.choice(plan.industry.phrases)
        site = plan.title.split(" - ")[-1] if " - " in plan.title else "its facilities"
        stamps = [plan.created_at, plan.published_at, plan.opened_at, plan.awarded_at, plan.cancelled_at,
                  plan.no_award_at]
        return dict(
            id=plan.id, institution_id=inst.id,
            reference=f"{inst.spec.prefix}-{year}-{next(self.references[inst.id]):05d}",
            title=plan.title, description=texts.DESCRIPTION.format(
                institution=inst.spec.name, phrase=phrase, site=site, years=rng.choice((1, 2, 3))),
            type=rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0],
            set_aside=plan.set_aside, estimated_value_min=low, estimated_value_max=high,
            questions_deadline=plan.questions_deadline, closes_at=plan.closes_at,
            contact_name=inst.officer_name, contact_email=inst.officer_email, created_by_id=inst.officer_id,
            created_at=plan.created_at, updated_at=max(s for s in stamps if s is not None),
            published_at=plan.published_at, cancelled_at=plan.cancelled_at,
            cancel_reason=rng.choice(texts.CANCEL_REASONS) if plan.cancelled_at else None,
            opened_at=plan.opened_at, awarded_at=plan.awarded_at, no_award_at=plan.no_award_at,
            no_award_reason=rng.choice(texts.NO_AWARD_REASONS) if plan.no_award_at else None,
        )

    def children(self, plan: Plan, rows: dict[str, list[dict]], bidders: list[VendorRecord]) -> None:
        """NAICS codes, questions, followers, invitations and the search-index event."""
        rng, ctx, writer = self.rng, self.ctx, self.ctx.writer
        rows["opportunity_naics"].extend(dict(opportunity_id=plan.id, code=code) for code in plan.codes)
        pool = plan.pool or ctx.vendors
        end = plan.activity_end
        if end is not None:
            rows["search_index_events"].append(dict(id=writer.new_id(SearchIndexEvent.__table__),
                                                    doc_type="opportunity", object_id=plan.id, op="upsert",
                                                    created_at=ctx.now))
            end = min(end, ctx.now)
            ask_end = min(end, plan.questions_deadline or end) - timedelta(hours=1)
            start = plan.published_at + timedelta(hours=1)
            for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(35, 30, 20, 10, 5))[0] if ask_end > start else 0):
                asker = rng.choice(pool)
                asked = between(rng, start, ask_end)
                answered = asked + days(rng, 0.2, 3)
                if rng.random() > 0.85 or answered >= end:
                    answered = None
                number = rng.randrange(len(texts.QUESTIONS))
                rows["questions"].append(dict(
                    id=writer.new_id(Question.__table__), opportunity_id=plan.id, vendor_id=asker.id,
                    asked_by_id=asker.user_ids[0], body=texts.QUESTIONS[number], asked_at=asked,
                    answer=texts.ANSWERS[number] if answered else None, answered_at=answered,
                    answered_by_id=plan.institution.officer_id if answered else None,
                ))
            followers = dict.fromkeys(bidders)
            for _ in range(rng.randrange(5)):
                followers.setdefault(rng.choice(pool))
            for vendor in followers:
                rows["follows"].append(dict(id=writer.new_id(Follow.__table__), opportunity_id=plan.id,
                                            vendor_id=vendor.id, user_id=vendor.user_ids[0],
                                            created_at=between(rng, plan.published_at, end)))
        if plan.status in ("draft", "open") and plan.pool:
            today = ctx.now.date()
            invited = {v.id: v for v in rng.sample(plan.pool, k=min(len(plan.pool), rng.randrange(3)))
                       if v.local_on(today)}
            for vendor in invited.values():
                county = vendor.address_on(today)[3].removesuffix(" County")
                rows["opportunity_invitations"].append(dict(
                    id=writer.new_id(OpportunityInvitation.__table__), opportunity_id=plan.id,
                    vendor_id=vendor.id, invited_by_id=plan.institution.officer_id,
                    reason=f"NAICS {vendor.codes[0]} · {county} local",
                    invited_at=between(rng, plan.created_at, ctx.now)))

    def addenda(self, plan: Plan, rows: dict[str, list[dict]]) -> list[tuple[int, datetime]]:
        """Zero to two addenda; the first may extend the closing time by a week."""
        rng, ctx = self.rng, self.ctx
        end = plan.activity_end
        if end is None or rng.random() > 0.12:
            return []
        issued_list = []
        start = plan.published_at + timedelta(days=1)
        for number in range(1, rng.choice((1, 1, 1, 2)) + 1):
            extends = number == 1 and rng.random() < 0.4
            previous = plan.closes_at - timedelta(days=7) if extends else None
            limit = min(previous or end, end, ctx.now) - timedelta(hours=2)
            if limit <= start:
                break
            issued = between(rng, start, limit)
            changes = {}
            if extends:
                changes = {"closes_at": {"old": previous.isoformat(), "new": plan.closes_at.isoformat()}}
            rows["addenda"].append(dict(
                id=ctx.writer.new_id(Addendum.__table__), opportunity_id=plan.id, number=number,
                note=texts.EXTENSION_NOTE if extends else rng.choice(texts.ADDENDUM_NOTES), changes=changes,
                previous_closes_at=previous, new_closes_at=plan.closes_at if extends else None,
                issued_at=issued, issued_by_id=plan.institution.officer_id,
            ))
            issued_list.append((rows["addenda"][-1]["id"], issued))
            start = issued + timedelta(hours=1)
        return issued_list

    def batch(self, size: int) -> None:
        """Generate and write `size` opportunities with everything attached to them."""
        rows: dict[str, list[dict]] = {model.__tablename__: [] for model in WRITE_ORDER}
        for _ in range(size):
            plan = self.plan()
            addenda = self.addenda(plan, rows)
            bidders = self.bids.bids_for(plan, self, rows, addenda)
            rows["opportunities"].append(self.opportunity_row(plan))
            self.children(plan, rows, bidders)
        for model in WRITE_ORDER:
            self.ctx.writer.insert(model.__table__, rows[model.__tablename__])


def seed_opportunities(ctx: SeedContext) -> None:
    """Write the opportunities in batches (bounded memory at large scale)."""
    factory = OpportunityFactory(ctx)
    total = ctx.scale.opportunities
    with ctx.writer.bar("opportunities", total) as bar:
        for start in range(0, total, ctx.scale.batch):
            size = min(ctx.scale.batch, total - start)
            factory.batch(size)
            bar.update(size)
