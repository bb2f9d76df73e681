"""`flask impact refresh` and `flask impact check`: keep the rollups up to date and prove them equal to the lines."""
from __future__ import annotations

import click
import sqlalchemy as sa

from marketplace import db
from marketplace.impact import report as reports
from marketplace.impact import rollup
from marketplace.impact.commands import impact_cli
from marketplace.impact.models import ImpactRollupStale, ImpactRollupState, SpendLine
from marketplace.impact.periods import fiscal_year_of
from marketplace.institutions.models import Institution


@impact_cli.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild every institution's rollup from its lines.")
def refresh_command(full: bool) -> None:
    """Recompute stale rollup cells (and rebuild institutions whose settings changed); safe to run any time."""
    result = rollup.refresh(full=full)
    db.session.commit()
    rebuilt = ", ".join(result.rebuilt) or "none"
    click.echo(f"Rollups up to date: {result.cells} month cell(s) written; rebuilt: {rebuilt}.")


def all_periods() -> list[str]:
    """Every month, quarter and fiscal year (of any institution) that holds a spend line."""
    first, last = db.session.execute(sa.select(sa.func.min(SpendLine.payment_date),
                                               sa.func.max(SpendLine.payment_date))).one()
    if first is None:
        return []
    months = rollup.months_in(first, last)
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    labels += sorted({f"{m.year}Q{(m.month - 1) // 3 + 1}" for m in months})
    starts = set(db.session.scalars(sa.select(Institution.fiscal_year_start_month).distinct()))
    labels += sorted({f"FY{fiscal_year_of(m, s)}" for m in months for s in starts})
    return labels


@impact_cli.command("check")
@click.option("--period", "periods", multiple=True, help="Only these periods (default: every period with spend).")
def check_command(periods: tuple[str, ...]) -> None:
    """Compare the rollup-based figures with the raw computation for every institution, period and category."""
    labels = list(periods) or all_periods()
    built = db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollupState)) or 0
    stale = db.session.scalar(sa.select(sa.func.count()).select_from(ImpactRollupStale)) or 0
    differences = 0
    for start in range(0, len(labels), 12):
        chunk = labels[start:start + 12]
        fast = reports.compute_reports(chunk, source="rollup")
        slow = reports.compute_reports(chunk, source="raw")
        for a, b in zip(fast, slow, strict=True):
            left, right = reports.report_to_json(a), reports.report_to_json(b)
            for scope_a, scope_b in zip([*left["institutions"], left["collaborative"]],
                                        [*right["institutions"], right["collaborative"]], strict=True):
                if scope_a != scope_b:
                    differences += 1
                    click.echo(f"{a.period} {scope_a.get('slug', 'collaborative')}: rollup {scope_a} != raw {scope_b}",
                               err=True)
    click.echo(f"Checked {len(labels)} period(s); {built} institution rollup(s) built, {stale} stale marker(s); "
               f"{differences} difference(s).")
    if differences:
        raise SystemExit(1)
