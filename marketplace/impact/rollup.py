"""Rollups: each institution's exact sums per calendar month, so dashboards never scan every line.

A cell holds, for one (institution, month), exactly what `compute.monthly_cents` returns: the
integer cents of the total, of addressable spend and of each category (verified and
potential). Every fact a line is tested for depends on the line alone (its date, vendor,
category) and never on "today" or on the period asked for, so the sum of a period's month
cells equals the raw computation over the period, to the cent, for months, quarters and
each institution's fiscal years (which start on the first of a month).

A cell stays exact because every write that can change it records a stale marker in the same
transaction (`impact.invalidation`): small changes are recomputed at commit, large ones by
`flask impact refresh`. Readers treat a stale cell, or an institution whose rollup was built
under another configuration (expiry rule, enabled types, region, fiscal year), as absent and
compute it from the lines instead, so a report is exact whether or not the refresh has run.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from marketplace import clock, db
from marketplace.impact.compute import ExpiryRule, monthly_cents, report_categories
from marketplace.impact.models import GOAL_CATEGORIES, ImpactRollup, ImpactRollupStale, ImpactRollupState, SpendLine
from marketplace.institutions.models import Collaborative, Institution, LocalRule

KEYS = GOAL_CATEGORIES  # every report category key; one (verified, potential) column pair each
Range = tuple[date, date]


@dataclass(frozen=True)
class Settings:
    """What the figures depend on beyond the rows: expiry rule, enabled types, the collaborative's region."""

    expiry: ExpiryRule
    enabled: tuple[str, ...]
    collaborative_rule: LocalRule | None

    def rule_for(self, institution: Institution) -> LocalRule | None:
        """The institution's own local rule, else the collaborative's."""
        return institution.local_rule or self.collaborative_rule

    def config(self, institution: Institution) -> str:
        """The configuration a cell of this institution is exact for."""
        rule = self.rule_for(institution)
        return (f"expiry={self.expiry.label};types={','.join(self.enabled)};"
                f"rule={rule.id if rule is not None else '-'};fy={institution.fiscal_year_start_month}")


def current_settings() -> Settings:
    """The settings in force now."""
    from marketplace.vendors.eligibility import enabled_types

    collab = db.session.scalar(sa.select(Collaborative).order_by(Collaborative.id).limit(1))
    expiry = ExpiryRule(collab.expiry_rule, collab.grace_days or 0) if collab is not None else ExpiryRule()
    return Settings(expiry, enabled_types(), collab.local_rule if collab is not None else None)


def month_of(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month starting on `month`."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_in(start: date, end: date) -> list[date]:
    """First days of every month from `start`'s to `end`'s."""
    months, month = [], month_of(start)
    while month <= end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def _cell_columns(settings: Settings) -> list[sa.ColumnElement]:
    """Cell columns in `compute._sums` order for the enabled categories."""
    table = ImpactRollup.__table__
    columns = [table.c.total_cents, table.c.addressable_cents]
    for category in report_categories(settings.enabled):
        columns += [table.c[f"{category.key}_cents"], table.c[f"{category.key}_potential_cents"]]
    return columns


def _cell_values(institution_id: int, month: date, cents: list[int], settings: Settings) -> dict:
    """A cell row from `monthly_cents` values; disabled categories stay 0."""
    values = {"institution_id": institution_id, "month": month, "total_cents": cents[0],
              "addressable_cents": cents[1]}
    values.update({f"{key}_cents": 0 for key in KEYS} | {f"{key}_potential_cents": 0 for key in KEYS})
    for index, category in enumerate(report_categories(settings.enabled)):
        values[f"{category.key}_cents"] = cents[2 + 2 * index]
        values[f"{category.key}_potential_cents"] = cents[3 + 2 * index]
    return values


@dataclass
class Staleness:
    """The stale markers visible now."""

    everything: bool = False
    institutions: set[int] = field(default_factory=set)
    cells: dict[int, set[date]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)


def _staleness(token: str | None = None) -> Staleness:
    query = sa.select(ImpactRollupStale.id, ImpactRollupStale.institution_id, ImpactRollupStale.month)
    if token is not None:
        query = query.where(ImpactRollupStale.token == token)
    found = Staleness()
    for marker_id, institution_id, month in db.session.execute(query):
        found.ids.append(marker_id)
        if institution_id is None:
            found.everything = True
        elif month is None:
            found.institutions.add(institution_id)
        else:
            found.cells.setdefault(institution_id, set()).add(month)
    return found


def _add(into: list[int], values: Iterable[int]) -> None:
    into[:] = map(operator.add, into, values)


def period_cents(
    institutions: list[Institution], ranges: dict[int, list[Range]], settings: Settings,
) -> dict[tuple[int, Range], list[int]]:
    """Each institution's cents (in `compute._sums` order) for each of its month-aligned ranges.

    Fresh cells are summed; stale months and institutions without a fresh rollup are
    computed from the lines, so the result always equals the raw computation.
    """
    width = 2 + 2 * len(report_categories(settings.enabled))
    result = {(i.id, r): [0] * width for i in institutions for r in ranges.get(i.id, [])}
    states = {i: c for i, c in db.session.execute(sa.select(ImpactRollupState.institution_id,
                                                             ImpactRollupState.config))}
    stale = _staleness()
    from_cells = {}
    wanted_of = {i.id: sorted(set(ranges.get(i.id, []))) for i in institutions}  # a range asked twice counts once
    for inst in institutions:
        wanted = wanted_of[inst.id]
        if not wanted:
            continue
        fresh = (not stale.everything and inst.id not in stale.institutions
                 and states.get(inst.id) == settings.config(inst))
        if fresh:
            raw_months = sorted(m for m in stale.cells.get(inst.id, ()) if any(s <= m <= e for s, e in wanted))
            from_cells[inst.id] = (min(s for s, _ in wanted), max(e for _, e in wanted), set(raw_months))
        else:
            raw_months = sorted({m for start, end in wanted for m in months_in(start, end)})
        if raw_months:
            computed = monthly_cents(inst, _month_ranges(raw_months), expiry=settings.expiry,
                                     enabled=settings.enabled, rule=settings.rule_for(inst))
            for month, cents in computed.items():
                _spread(result, inst.id, wanted, month, cents)
    if from_cells:
        table = ImpactRollup.__table__
        query = sa.select(table.c.institution_id, table.c.month, *_cell_columns(settings)).where(sa.or_(*(
            sa.and_(table.c.institution_id == inst_id, table.c.month.between(month_of(lo), hi))
            for inst_id, (lo, hi, _) in from_cells.items()
        )))
        for inst_id, month, *cents in db.session.execute(query):
            if month in from_cells[inst_id][2]:
                continue  # stale: computed from the lines above
            _spread(result, inst_id, wanted_of[inst_id], month, cents)
    return result


def _spread(result: dict, inst_id: int, wanted: list[Range], month: date, cents) -> None:
    for start, end in wanted:
        if start <= month <= end:
            _add(result[(inst_id, (start, end))], cents)


def _month_ranges(months: list[date]) -> list[Range]:
    """Contiguous runs of months as date ranges."""
    runs: list[Range] = []
    for month in sorted(months):
        if runs and runs[-1][1] + timedelta(days=1) == month:
            runs[-1] = (runs[-1][0], month_end(month))
        else:
            runs.append((month, month_end(month)))
    return runs


def _lock(institution_ids: list[int]) -> None:
    """Serialize rollup writers per institution (PostgreSQL; SQLite writers are serialized anyway)."""
    db.session.execute(sa.select(Institution.id).where(Institution.id.in_(sorted(institution_ids)))
                       .order_by(Institution.id).with_for_update(key_share=True))


def _write_cells(institution_id: int, months: list[date] | None, computed: dict[date, list[int]],
                 settings: Settings) -> None:
    """Replace the institution's cells for `months` (every month with None) by `computed`."""
    table = ImpactRollup.__table__
    delete = sa.delete(table).where(table.c.institution_id == institution_id)
    if months is not None:
        for start in range(0, len(months), 500):
            db.session.execute(delete.where(table.c.month.in_(months[start:start + 500])))
    else:
        db.session.execute(delete)
    rows = [_cell_values(institution_id, month, cents, settings) for month, cents in sorted(computed.items())]
    if rows:
        db.session.execute(sa.insert(table), rows)


def _delete_markers(ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        db.session.execute(sa.delete(ImpactRollupStale).where(ImpactRollupStale.id.in_(ids[start:start + 500])))


def _lines_in(cells: dict[int, set[date]]) -> int:
    """How many spend lines the cells hold (what recomputing them costs)."""
    line = SpendLine
    per_institution = [
        sa.and_(line.institution_id == inst_id,
                sa.or_(*(line.payment_date.between(a, b) for a, b in _month_ranges(sorted(months)))))
        for inst_id, months in cells.items()
    ]
    return db.session.scalar(sa.select(sa.func.count()).where(sa.or_(*per_institution))) or 0


def recompute_marked(token: str, *, max_cells: int, max_lines: int) -> bool:
    """Recompute the cells this transaction marked stale (at commit); False when refresh must do it.

    Only up to `max_cells` cells holding up to `max_lines` lines: more (or a whole
    institution, or everything) is left to `flask impact refresh`, and readers compute
    those cells from the lines meanwhile.
    """
    stale = _staleness(token)
    cells = stale.cells
    if stale.everything or stale.institutions or sum(map(len, cells.values())) > max_cells:
        return False
    if not cells:
        return True
    if _lines_in(cells) > max_lines:
        return False
    settings = current_settings()
    _lock(list(cells))
    states = {i: c for i, c in db.session.execute(
        sa.select(ImpactRollupState.institution_id, ImpactRollupState.config)
        .where(ImpactRollupState.institution_id.in_(list(cells))))}
    for inst in db.session.scalars(sa.select(Institution).where(Institution.id.in_(list(cells)))
                                   .order_by(Institution.id)):
        if states.get(inst.id) != settings.config(inst):
            continue  # not built, or built under other settings: readers compute it from the lines
        months = sorted(cells[inst.id])
        computed = monthly_cents(inst, _month_ranges(months), expiry=settings.expiry,
                                 enabled=settings.enabled, rule=settings.rule_for(inst))
        _write_cells(inst.id, months, computed, settings)
    _delete_markers(stale.ids)
    return True


@dataclass
class RefreshResult:
    """What a refresh did."""

    rebuilt: list[str] = field(default_factory=list)
    cells: int = 0


def refresh(*, full: bool = False) -> RefreshResult:
    """Bring every institution's rollup up to date: rebuild when unbuilt or the settings changed, else only stale cells."""
    settings = current_settings()
    stale = _staleness()
    result = RefreshResult()
    institutions = list(db.session.scalars(sa.select(Institution).order_by(Institution.id)))
    _lock([i.id for i in institutions])
    states = {s.institution_id: s for s in db.session.scalars(sa.select(ImpactRollupState))}
    now = clock.utcnow()
    for inst in institutions:
        config = settings.config(inst)
        state = states.get(inst.id)
        rebuild = full or stale.everything or inst.id in stale.institutions or state is None or state.config != config
        rule = settings.rule_for(inst)
        if rebuild:
            first, last = db.session.execute(sa.select(sa.func.min(SpendLine.payment_date),
                                                       sa.func.max(SpendLine.payment_date))
                                             .where(SpendLine.institution_id == inst.id)).one()
            computed = (monthly_cents(inst, [(month_of(first), month_end(last))], expiry=settings.expiry,
                                      enabled=settings.enabled, rule=rule) if first is not None else {})
            _write_cells(inst.id, None, computed, settings)
            result.rebuilt.append(inst.slug)
            result.cells += len(computed)
        elif months := sorted(stale.cells.get(inst.id, ())):
            computed = monthly_cents(inst, _month_ranges(months), expiry=settings.expiry,
                                     enabled=settings.enabled, rule=rule)
            _write_cells(inst.id, months, computed, settings)
            result.cells += len(months)
        if state is None:
            db.session.add(ImpactRollupState(institution_id=inst.id, config=config, refreshed_at=now))
        else:
            state.config, state.refreshed_at = config, now
    _delete_markers(stale.ids)
    db.session.flush()
    return result
