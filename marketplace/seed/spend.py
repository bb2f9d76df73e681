"""Spend lines: three fiscal years (and the current one to date) per institution, one import each.

The share of addressable spend paid to local or MWBE vendors rises from year to year
(`TARGET_SHARE`). Each matched import line goes to a vendor that qualifies (local, or a
verified MBE/WBE valid under the strict rule) all through that fiscal year, or to one that
qualifies on no day of it; vendors whose standing changes within the year get no import
lines in it, so the drawn share is the share a report computes. Contract payments count
towards the target first (see `SpendFactory.import_shares`).
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from marketplace.impact.models import ImportBatch, SpendLine
from marketplace.seed.context import (
    REFERENCE_DATE,
    ContractRecord,
    InstitutionRecord,
    SeedContext,
    VendorRecord,
    money,
    random_day,
    reference_instant,
)
from marketplace.seed.vendors import VendorFactory
from marketplace.seed_data.industries import INDUSTRIES, NON_ADDRESSABLE_CATEGORIES
from marketplace.seed_data.names import NON_ADDRESSABLE_PAYEES

# Share of addressable spend paid to local/MWBE vendors aimed at, by fiscal year index
# (three complete years, then the current year to date).
TARGET_SHARE = (0.12, 0.16, 0.20, 0.21)
NON_ADDRESSABLE_RATE = 0.10
UNMATCHED_RATE = 0.055
CREDIT_RATE = 0.015
MEDIAN_CENTS, SIGMA = 600_000, 1.15  # addressable import lines: lognormal amounts
MEAN_CENTS = 2_500 + MEDIAN_CENTS * math.exp(SIGMA**2 / 2)
CATEGORY_OF = {industry.code: industry.category for industry in INDUSTRIES}
ADDRESSABLE = tuple(dict.fromkeys(industry.category for industry in INDUSTRIES))


def fiscal_year(day: date, start_month: int) -> int:
    """The fiscal year containing `day` (FY2025 ends in 2025)."""
    return day.year + (1 if start_month > 1 and day.month >= start_month else 0)


def fiscal_year_start(year: int, start_month: int) -> date:
    """The first day of fiscal year `year`."""
    return date(year - 1, start_month, 1) if start_month > 1 else date(year, 1, 1)


def spend_years(start_month: int) -> list[int]:
    """The fiscal years seeded: three complete ones and the one containing the reference date."""
    current = fiscal_year(REFERENCE_DATE, start_month)
    return [current - 3, current - 2, current - 1, current]


class Pool:
    """Vendors to draw from, weighted by size."""

    def __init__(self, vendors: list[VendorRecord]):
        self.vendors = vendors
        self.cumulative = list(itertools.accumulate(v.weight for v in vendors))

    def draw(self, rng: random.Random) -> VendorRecord:
        return self.vendors[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


class SpendFactory:
    """Generates and writes the spend of each institution."""

    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.rng = ctx.rng("spend")
        self.pools: dict[tuple[int, int], tuple[Pool, Pool]] = {}
        self.contract_totals: dict[tuple[int, int], tuple[int, int]] = {}
        self.months_per_payment = 1
        names = VendorFactory(ctx)
        names.rng = random.Random(f"{ctx.seed}/unmatched")
        names.names |= {v.legal_name for v in ctx.vendors}
        names.eins = {v.ein for v in ctx.vendors if v.ein}
        count = max(50, ctx.scale.vendors // 5)
        self.unmatched = []
        for _ in range(count):
            industry = names.rng.choice(INDUSTRIES)
            zip_code = names.pick_zip(names.rng.choice(("region", "other_fl", "other_state")))[0]
            ein = names.ein() if names.rng.random() < 0.4 else None
            self.unmatched.append((names.legal_name(industry, True).upper(), ein, zip_code, industry.category))

    def pools_for(self, start_month: int, year: int) -> tuple[Pool, Pool]:
        """(qualifying all year, qualifying no day) vendor pools for one fiscal year."""
        key = (start_month, year)
        if key not in self.pools:
            first = fiscal_year_start(year, start_month)
            last = min(fiscal_year_start(year + 1, start_month), REFERENCE_DATE) - timedelta(days=1)
            coverage = [(v, v.coverage(first, last)) for v in self.ctx.vendors]
            self.pools[key] = (Pool([v for v, c in coverage if c == "always"]),
                               Pool([v for v, c in coverage if c == "never"]))
        return self.pools[key]

    def line(self, inst: InstitutionRecord, day: date, share: float, year: int, seq: int, batch: dict) -> dict:
        """One import line."""
        rng = self.rng
        roll = rng.random()
        row = dict(id=self.ctx.writer.new_id(SpendLine.__table__), institution_id=inst.id, line_id=f"{inst.spec.prefix}-AP{year}-{seq:07d}", payment_date=day,
                   source="import", tier=1, prime_vendor_id=None, contract_id=None,
                   import_batch_id=batch["id"], created_at=batch["created_at"])
        if roll < NON_ADDRESSABLE_RATE:
            category = rng.choice(NON_ADDRESSABLE_CATEGORIES)
            cents = min(int(rng.lognormvariate(math.log(1_500_000), 1.3)), 300_000_000)
            row.update(vendor_id=None, vendor_name=rng.choice(NON_ADDRESSABLE_PAYEES[category]).upper(),
                       ein=None, zip=None, amount=money(cents), category=category, match_status="unmatched")
            return row
        cents = min(2_500 + int(rng.lognormvariate(math.log(MEDIAN_CENTS), SIGMA)), 90_000_000)
        if rng.random() < CREDIT_RATE:
            cents = -min(cents, int(rng.lognormvariate(math.log(40_000), 1.0)) + 100)
        if roll < NON_ADDRESSABLE_RATE + UNMATCHED_RATE:
            name, ein, zip_code, category = rng.choice(self.unmatched)
            row.update(vendor_id=None, vendor_name=name, ein=ein, zip=zip_code, amount=money(cents),
                       category=category, match_status="unmatched")
            return row
        impact, other = self.pools_for(inst.spec.fiscal_year_start_month, year)
        pool = impact if rng.random() < share else other
        vendor = pool.draw(rng)
        name = vendor.dba if vendor.dba and rng.random() < 0.3 else vendor.legal_name
        row.update(vendor_id=vendor.id, vendor_name=name.upper() if rng.random() < 0.4 else name,
                   ein=vendor.ein if rng.random() < 0.75 else None, zip=vendor.address_on(day)[2],
                   amount=money(cents), category=CATEGORY_OF[vendor.codes[0]], match_status="matched")
        return row

    def institution(self, inst: InstitutionRecord, count: int, bar) -> None:
        """Write one institution's import batch and its `count` lines, in payment-date order."""
        rng, writer = self.rng, self.ctx.writer
        start_month = inst.spec.fiscal_year_start_month
        years = spend_years(start_month)
        first, last = fiscal_year_start(years[0], start_month), REFERENCE_DATE - timedelta(days=1)
        batch = dict(id=writer.new_id(ImportBatch.__table__), kind="spend", institution_id=inst.id,
                     filename=f"{inst.spec.slug}-ap-extract-FY{years[0]}-FY{years[-1]}.csv",
                     sha256=hashlib.sha256(f"{self.ctx.seed}/{inst.spec.slug}/{count}".encode()).hexdigest(),
                     rows_total=count, rows_added=count, created_by_id=inst.officer_id,
                     created_at=reference_instant(REFERENCE_DATE, rng))
        writer.insert(ImportBatch.__table__, [batch])
        days = sorted(random_day(rng, first, last) for _ in range(count))
        shares = self.import_shares(inst, years, [fiscal_year(day, start_month) for day in days])
        chunk: list[dict] = []
        for seq, day in enumerate(days, start=1):
            year = fiscal_year(day, start_month)
            chunk.append(self.line(inst, day, shares[year], year, seq, batch))
            if len(chunk) == writer.chunk_size:
                self.flush(chunk, bar)
        self.flush(chunk, bar)

    def import_shares(self, inst: InstitutionRecord, years: list[int], line_years: list[int]) -> dict[int, float]:
        """Per fiscal year, the chance a matched import line goes to a local/MWBE vendor.

        Chosen so that import and contract lines together reach `TARGET_SHARE` in expectation:
        contract payments (mostly to local winners) are counted first, imports make up the rest.
        """
        shares = {}
        matched = 1 - UNMATCHED_RATE / (1 - NON_ADDRESSABLE_RATE)
        for k, year in enumerate(years):
            imports = line_years.count(year) * (1 - NON_ADDRESSABLE_RATE) * MEAN_CENTS
            qualifying, total = self.contract_totals.get((inst.id, year), (0, 0))
            wanted = TARGET_SHARE[k] * (imports + total) - qualifying
            shares[year] = min(0.9, max(0.01, wanted / (matched * imports))) if imports else 0.5
        return shares

    def contract_payments(self) -> Iterator[tuple[ContractRecord, int, date, int, VendorRecord | None, datetime]]:
        """(contract, n, day, cents, subcontractor, recorded at) of each monthly payment made so far.

        A fresh generator each time, so a first pass can total what a second pass writes.
        """
        rng, today = random.Random(f"{self.ctx.seed}/contract-spend"), self.ctx.now.date()
        locals_ = [v for v in self.ctx.vendors if v.local_on(today)]
        step = self.months_per_payment
        for contract in self.ctx.contracts:
            term_months = max(1, round((contract.end_on - contract.start_on).days / 30.4))
            monthly = int(contract.amount * 100) // term_months
            sub = rng.choice(locals_) if locals_ and rng.random() < 0.25 else None
            for n in range(step, min(term_months, 12) + 1, step):
                day = contract.start_on + timedelta(days=30 * n)
                if day >= today or day > contract.end_on:
                    break
                cents = int(monthly * step * rng.uniform(0.95, 1.05))
                yield contract, n, day, cents, sub, reference_instant(day, rng)

    def total_contract_payments(self) -> int:
        """Total the contract payments per institution and fiscal year; return how many lines they make.

        Payments are monthly unless that would make contract lines more than a quarter of the
        scale's spend lines (large scale: many awards); then they are every few months.
        """
        monthly_lines = sum(2 if sub is not None else 1 for _c, _n, _d, _a, sub, _t in self.contract_payments())
        self.months_per_payment = max(1, math.ceil(monthly_lines / (0.25 * self.ctx.scale.spend_lines)))
        lines = 0
        for contract, _n, day, cents, sub, _at in self.contract_payments():
            key = (contract.institution.id, fiscal_year(day, contract.institution.spec.fiscal_year_start_month))
            qualifying, total = self.contract_totals.get(key, (0, 0))
            qualifying += cents if contract.vendor.qualifies_on(day) else 0
            self.contract_totals[key] = (qualifying, total + cents)
            lines += 2 if sub is not None else 1
        return lines

    def contract_lines(self, bar) -> None:
        """Write the monthly payments under each contract (source 'award') and tier-2 subcontracts."""
        writer = self.ctx.writer
        chunk: list[dict] = []
        for contract, n, day, cents, sub, recorded_at in self.contract_payments():
            base = dict(institution_id=contract.institution.id, payment_date=day, category=contract.category,
                        contract_id=contract.id, import_batch_id=None, match_status="matched",
                        created_at=recorded_at)
            vendor = contract.vendor
            chunk.append(dict(base, id=writer.new_id(SpendLine.__table__), line_id=f"{contract.number}-P{n:02d}",
                              vendor_id=vendor.id, vendor_name=vendor.legal_name, ein=vendor.ein,
                              zip=vendor.address_on(day)[2], amount=money(cents), source="award", tier=1,
                              prime_vendor_id=None))
            if sub is not None:
                chunk.append(dict(base, id=writer.new_id(SpendLine.__table__), line_id=f"{contract.number}-S{n:02d}",
                                  vendor_id=sub.id, vendor_name=sub.legal_name, ein=sub.ein,
                                  zip=sub.address_on(day)[2], amount=money(cents * 15 // 100), source="import",
                                  tier=2, prime_vendor_id=vendor.id))
            if len(chunk) >= writer.chunk_size:
                self.flush(chunk, bar)
        self.flush(chunk, bar)

    def flush(self, chunk: list[dict], bar) -> None:
        """Write the pending lines."""
        self.ctx.writer.insert(SpendLine.__table__, chunk)
        bar.update(len(chunk))
        chunk.clear()


def seed_spend(ctx: SeedContext) -> None:
    """Write the scale's number of spend lines: import lines, then payments made under contracts."""
    factory = SpendFactory(ctx)
    imports = ctx.scale.spend_lines - factory.total_contract_payments()
    with ctx.writer.bar("spend lines", ctx.scale.spend_lines) as bar:
        weights = [inst.spec.spend_weight for inst in ctx.institutions]
        counts = [imports * w // sum(weights) for w in weights]
        counts[0] += imports - sum(counts)
        for inst, count in zip(ctx.institutions, counts, strict=True):
            factory.institution(inst, count, bar)
        factory.contract_lines(bar)
