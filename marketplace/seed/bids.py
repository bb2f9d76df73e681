"""Sealed bids with their versions, bid openings, awards and the contracts they create."""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from marketplace.awards.models import Award, Contract
from marketplace.bids.models import Bid, BidVersion
from marketplace.opportunities.models import AddendumAcknowledgement, BidOpening
from marketplace.seed.context import TZ, ContractRecord, SeedContext, VendorRecord, between, money
from marketplace.seed.vendors import add_years
from marketplace.seed_data import texts

if TYPE_CHECKING:
    from marketplace.seed.opportunities import OpportunityFactory, Plan

TABLES = (Bid, BidVersion, AddendumAcknowledgement, BidOpening, Award, Contract)
BIDDER_COUNTS = {
    "open": ((0, 1, 2, 3, 4, 5), (25, 25, 20, 15, 10, 5)),
    "closed": ((1, 2, 3, 4, 5, 6, 7), (15, 20, 20, 15, 12, 10, 8)),
    "no_award": ((0, 1, 2), (50, 35, 15)),
    "cancelled": ((0, 1, 2, 3), (40, 30, 20, 10)),
}
DEMO_VENDOR_BIDS = 25  # the demo vendor bids on up to this many opportunities


def money_range(estimate_cents: int) -> tuple[Decimal, Decimal]:
    """A published estimate range around `estimate_cents`, rounded to the thousand dollars."""
    low = max(1000, round(estimate_cents * 0.8 / 100_000) * 1000)
    high = max(low, round(estimate_cents * 1.2 / 100_000) * 1000)
    return Decimal(low), Decimal(high)


class BidFactory:
    """Bids for one opportunity at a time; awards the winners of awarded opportunities."""

    def __init__(self, ctx: SeedContext, rng: random.Random):
        self.ctx = ctx
        self.rng = rng
        self.demo_bids = 0
        self.contract_numbers = {inst.id: itertools.count(1) for inst in ctx.institutions}

    def bidders(self, plan: Plan, factory: OpportunityFactory) -> list[VendorRecord]:
        """Distinct eligible vendors of the opportunity's industry group."""
        rng = self.rng
        status = "closed" if plan.status in ("closed", "evaluation", "awarded") else plan.status
        values, weights = BIDDER_COUNTS[status]
        wanted = rng.choices(values, weights=weights)[0]
        chosen: dict[int, VendorRecord] = {}
        demo = self.ctx.vendors[0]
        chance = 1.0 if plan.featured else 0.6
        if (self.demo_bids < DEMO_VENDOR_BIDS and demo in plan.pool and (wanted or plan.featured)
                and rng.random() < chance and factory.eligible(demo, plan)):
            chosen[demo.id] = demo
            self.demo_bids += 1
        for _ in range(wanted * 4):
            if len(chosen) >= wanted or not plan.pool:
                break
            vendor = rng.choice(plan.pool)
            if vendor.id not in chosen and factory.eligible(vendor, plan):
                chosen[vendor.id] = vendor
        return list(chosen.values())

    def bids_for(self, plan: Plan, factory: OpportunityFactory, rows: dict[str, list[dict]],
                 addenda: list[tuple[int, datetime]]) -> list[VendorRecord]:
        """Write the bids of a published opportunity; open it and award it as its status says."""
        rng, writer = self.rng, self.ctx.writer
        if plan.published_at is None:
            return []
        end = min(plan.activity_end, self.ctx.now) - timedelta(minutes=5)
        start = plan.published_at + timedelta(hours=1)
        vendors = self.bidders(plan, factory) if end > start else []
        live: list[tuple[int, VendorRecord, Decimal]] = []
        for vendor in vendors:
            bid_id = writer.new_id(Bid.__table__)
            user_id = vendor.user_ids[0]
            received = between(rng, start, end)
            amount = money(int(plan.estimate * rng.uniform(0.75, 1.3)))
            versions = [("submit", received, amount)]
            if rng.random() < 0.25:
                amount = money(int(amount * 100 * Decimal(str(round(rng.uniform(0.92, 1.0), 3)))))
                versions.append(("revise", between(rng, received, end), amount))
            withdrawn = None
            if rng.random() < 0.06:
                withdrawn = between(rng, versions[-1][1], end)
                versions.append(("withdraw", withdrawn, None))
            rows["bids"].append(dict(
                id=bid_id, opportunity_id=plan.id, vendor_id=vendor.id, submitted_by_id=user_id,
                first_received_at=received, last_received_at=versions[-1][1], withdrawn_at=withdrawn,
                current_version=len(versions),
            ))
            for number, (action, at, value) in enumerate(versions, start=1):
                rows["bid_versions"].append(dict(
                    id=writer.new_id(BidVersion.__table__), bid_id=bid_id, version=number, action=action,
                    amount=value, narrative="" if action == "withdraw" else rng.choice(texts.BID_NARRATIVES),
                    received_at=at, received_by_user_id=user_id,
                ))
            for addendum_id, issued in addenda:
                acknowledged = issued + timedelta(hours=rng.randrange(1, 48))
                if received < issued and withdrawn is None and acknowledged < end:
                    rows["addendum_acknowledgements"].append(dict(
                        id=writer.new_id(AddendumAcknowledgement.__table__), addendum_id=addendum_id,
                        vendor_id=vendor.id, acknowledged_by_id=user_id, acknowledged_at=acknowledged))
            if withdrawn is None:
                live.append((bid_id, vendor, amount))
        if plan.opened_at is not None:
            rows["bid_openings"].append(dict(id=writer.new_id(BidOpening.__table__), opportunity_id=plan.id,
                                             officer_id=plan.institution.officer_id, opened_at=plan.opened_at))
        if plan.status == "awarded":
            if live:
                self.award(plan, live, rows)
            else:  # nobody left to award: the officer closes it without award
                plan.status, plan.awarded_at = "no_award", None
                plan.no_award_at = plan.opened_at + timedelta(days=rng.randrange(3, 15))
        return vendors

    def award(self, plan: Plan, live: list[tuple[int, VendorRecord, Decimal]], rows: dict[str, list[dict]]) -> None:
        """Award the lowest bid (sometimes the best value, sometimes split) and create contracts."""
        rng, writer, inst = self.rng, self.ctx.writer, plan.institution
        ranked = sorted(live, key=lambda item: (item[2], item[0]))
        if len(ranked) >= 2 and rng.random() < 0.08:
            winners = ranked[:2]
        else:
            winners = [ranked[1] if len(ranked) >= 2 and rng.random() < 0.3 else ranked[0]]
        awarded_on = plan.awarded_at.astimezone(TZ).date()
        start_on = awarded_on + timedelta(days=rng.randrange(14, 46))
        end_on = add_years(start_on, rng.choice((1, 2, 3))) - timedelta(days=1)
        for bid_id, vendor, amount in winners:
            award_id = writer.new_id(Award.__table__)
            rows["awards"].append(dict(
                id=award_id, opportunity_id=plan.id, vendor_id=vendor.id, bid_id=bid_id, amount=amount,
                contract_start=start_on, contract_end=end_on, status="active", awarded_at=plan.awarded_at,
                awarded_by_id=inst.officer_id, cancelled_at=None, cancel_reason=None,
            ))
            contract_id = writer.new_id(Contract.__table__)
            number = f"{inst.spec.prefix}-C{awarded_on.year}-{next(self.contract_numbers[inst.id]):05d}"
            rows["contracts"].append(dict(
                id=contract_id, award_id=award_id, institution_id=inst.id, vendor_id=vendor.id, number=number,
                title=plan.title, amount=amount, start_on=start_on, end_on=end_on, created_at=plan.awarded_at,
            ))
            self.ctx.contracts.append(ContractRecord(contract_id, inst, vendor, number, amount, start_on, end_on,
                                                     plan.industry.category))
