"""Impact reports: per-institution and collaborative figures for a period, and their JSON/CSV forms.

The JSON form is a stable contract read by other tools: amounts are decimal strings with two
places, shares decimal strings with six (amount ÷ addressable, half-even, "0.000000" when
nothing is addressable). Collaborative figures are Σ numerators ÷ Σ denominators.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa

from marketplace import db
from marketplace.errors import NotFound
from marketplace.impact.compute import (
    Category,
    ExpiryRule,
    Figures,
    figures_from_cents,
    institution_figures,
    report_categories,
)
from marketplace.impact.periods import parse_period
from marketplace.institutions.models import Collaborative, Institution, LocalRule

SHARE_PLACES = Decimal("0.000001")
CSV_COLUMNS = ("period", "expiry_rule", "scope", "period_start", "period_end", "local_rule", "basis",
               "category", "amount", "addressable", "total", "share")


@dataclass
class ScopeReport:
    """One institution's (or, with slug None, the collaborative's) figures for the period."""

    slug: str | None
    name: str
    period_start: date
    period_end: date
    local_rule: str
    figures: Figures


@dataclass
class Report:
    """A whole report: the period, the rules used, the categories shown and every scope."""

    period: str
    expiry_rule: str
    categories: tuple[Category, ...]
    institutions: list[ScopeReport]
    collaborative: ScopeReport


def _collaborative() -> Collaborative | None:
    return db.session.scalar(sa.select(Collaborative).order_by(Collaborative.id).limit(1))


def expiry_rule_in_force() -> ExpiryRule:
    """The collaborative's expiry rule (strict when no collaborative is configured)."""
    collab = _collaborative()
    if collab is None:
        return ExpiryRule()
    return ExpiryRule(collab.expiry_rule, collab.grace_days or 0)


def _rule_name(rule: LocalRule | None) -> str:
    return rule.name if rule is not None else "no region defined"


def compute_report(period: str, institution_slugs: list[str] | None = None, *, source: str = "rollup") -> Report:
    """Compute the period's figures for the chosen institutions (all by default) and the collaborative.

    The collaborative block always covers every institution, whatever the selection.
    `source="rollup"` (dashboards) sums the monthly rollups, computing stale months from the
    lines; `source="raw"` (audits) computes everything from the lines. Both are exact and equal.
    """
    return compute_reports([period], institution_slugs, source=source)[0]


def compute_reports(periods: list[str], institution_slugs: list[str] | None = None, *,
                    source: str = "rollup") -> list[Report]:
    """`compute_report` for several periods at once (one rollup read for all of them)."""
    from marketplace.impact import rollup

    if source not in ("rollup", "raw"):
        raise ValueError(f"unknown source {source!r}")
    parsed = [parse_period(p) for p in periods]
    collab = _collaborative()
    settings = rollup.current_settings()
    expiry, enabled = settings.expiry, settings.enabled
    everyone = list(db.session.scalars(sa.select(Institution).order_by(Institution.slug)))
    wanted = None
    if institution_slugs:
        wanted = {s.strip().lower() for s in institution_slugs}
        unknown = wanted - {i.slug for i in everyone}
        if unknown:
            raise NotFound(f"No institution {', '.join(sorted(unknown))!r}.")
    collab_rule = settings.collaborative_rule
    categories = report_categories(enabled)
    bounds = {(inst.id, p): p.bounds(inst.fiscal_year_start_month) for inst in everyone for p in parsed}
    if source == "rollup":
        ranges: dict[int, list] = {}
        for (inst_id, _p), bound in bounds.items():
            ranges.setdefault(inst_id, []).append(bound)
        cents = rollup.period_cents(everyone, ranges, settings)
        figures_of = {key: figures_from_cents(cents[(key[0], bound)], categories) for key, bound in bounds.items()}
    else:
        figures_of = {(inst.id, p): institution_figures(inst, *bounds[(inst.id, p)], expiry=expiry, enabled=enabled,
                                                        rule=settings.rule_for(inst))
                      for inst in everyone for p in parsed}
    reports = []
    for p in parsed:
        scopes = []
        for inst in everyone:
            start, end = bounds[(inst.id, p)]
            scopes.append(ScopeReport(inst.slug, inst.name, start, end, _rule_name(settings.rule_for(inst)),
                                      figures_of[(inst.id, p)]))
        empty = Figures(amounts={c.key: Decimal("0.00") for c in categories},
                        potential={c.key: Decimal("0.00") for c in categories})
        total = sum((s.figures for s in scopes), empty)
        fallback = p.bounds(1)
        overall = ScopeReport(
            None, collab.name if collab else "Collaborative",
            min((s.period_start for s in scopes), default=fallback[0]),
            max((s.period_end for s in scopes), default=fallback[1]),
            _rule_name(collab_rule), total,
        )
        chosen = [s for s in scopes if wanted is None or s.slug in wanted]
        reports.append(Report(p.label, expiry.label, categories, chosen, overall))
    return reports


def money_text(amount: Decimal) -> str:
    """Two decimal places, no grouping: '-1234.50'."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"


def share_text(share: Decimal) -> str:
    """Six decimal places, rounded half-even only here, at output."""
    return f"{share.quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN):f}"


def _scope_json(scope: ScopeReport, categories: tuple[Category, ...]) -> dict[str, Any]:
    figures = scope.figures

    def block(potential: bool) -> dict[str, dict[str, str]]:
        source = figures.potential if potential else figures.amounts
        return {c.key: {"amount": money_text(source[c.key]), "share": share_text(figures.share(c.key, potential=potential))}
                for c in categories}

    data: dict[str, Any] = {"slug": scope.slug} if scope.slug is not None else {}
    data.update({
        "period_start": scope.period_start.isoformat(),
        "period_end": scope.period_end.isoformat(),
        "local_rule": scope.local_rule,
        "total": money_text(figures.total),
        "addressable": money_text(figures.addressable),
        "categories": block(False),
        "potential": block(True),
    })
    return data


def report_to_json(report: Report) -> dict[str, Any]:
    """The report as the stable JSON contract (see the module docstring)."""
    return {
        "period": report.period,
        "expiry_rule": report.expiry_rule,
        "institutions": [_scope_json(s, report.categories) for s in report.institutions],
        "collaborative": _scope_json(report.collaborative, report.categories),
    }


def report_to_csv(report: Report) -> str:
    """One row per scope, basis (verified or potential) and category, with header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for scope in [*report.institutions, report.collaborative]:
        figures = scope.figures
        for basis in ("verified", "potential"):
            source = figures.potential if basis == "potential" else figures.amounts
            for category in report.categories:
                writer.writerow((
                    report.period, report.expiry_rule, scope.slug or "collaborative",
                    scope.period_start.isoformat(), scope.period_end.isoformat(), scope.local_rule, basis,
                    category.key, money_text(source[category.key]), money_text(figures.addressable),
                    money_text(figures.total), share_text(figures.share(category.key, potential=basis == "potential")),
                ))
    return out.getvalue()


def report_to_text(report: Report) -> str:
    """A readable table for the terminal."""
    lines = [f"Impact report {report.period} · expiry rule {report.expiry_rule} · verified certifications only"]
    for scope in [*report.institutions, report.collaborative]:
        figures = scope.figures
        title = scope.slug or "collaborative (Σ numerators ÷ Σ denominators)"
        lines += ["", f"{title}: {scope.period_start.isoformat()} to {scope.period_end.isoformat()}, "
                      f"local rule: {scope.local_rule}",
                  f"  total spend {money_text(figures.total)}, addressable {money_text(figures.addressable)}",
                  f"  {'category':<16}{'amount':>18}{'share':>12}{'potential':>18}"]
        for c in report.categories:
            percent = money_text(figures.share(c.key) * 100)
            lines.append(f"  {c.key:<16}{money_text(figures.amounts[c.key]):>18}{percent:>11}%"
                         f"{money_text(figures.potential[c.key]):>18}")
    return "\n".join(lines) + "\n"
