"""`flask spend import` and `flask impact report` (refresh and check: `rollup_commands`)."""
from __future__ import annotations

import json
import os

import click
from flask.cli import AppGroup

from marketplace import db
from marketplace.errors import DomainError
from marketplace.impact import report as reports
from marketplace.impact import rollup
from marketplace.impact.spend_import import ImportRejected, describe, import_spend, warnings
from marketplace.institutions.services import get_institution

spend_cli = AppGroup("spend", help="Import spend lines from ERP/AP extracts.")
impact_cli = AppGroup("impact", help="Impact-purchasing figures.")


@spend_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--institution", "slug", required=True, help="Slug of the institution the extract belongs to.")
@click.option("--allow-new-categories", is_flag=True,
              help="Add categories the institution does not know yet, as addressable (default: reject them).")
def import_command(file: str, slug: str, allow_new_categories: bool) -> None:
    """Import FILE (CSV or XLSX) for an institution: every row or none; re-imports add nothing."""
    try:
        institution = get_institution(slug)
        with open(file, "rb") as handle:
            data = handle.read()
        result = import_spend(institution, os.path.basename(file), data, actor=None,
                              allow_new_categories=allow_new_categories, progress=True)
    except ImportRejected as rejected:
        db.session.rollback()
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(rejected.message) from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    for line in describe(result):
        click.echo(line)
    for line in warnings(result):
        click.echo(f"Warning: {line}", err=True)
    if result.added:  # a large import leaves its months to the refresh; do it now, not at the next cron
        rollup.refresh()
        db.session.commit()


@impact_cli.command("report")
@click.option("--period", required=True, help="FY2025 (each institution's own fiscal year), 2025Q3 or 2025-07.")
@click.option("--institution", "slugs", multiple=True, help="Limit to this institution (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "text"]), default="json", show_default=True)
@click.option("--source", type=click.Choice(["rollup", "raw"]), default="rollup", show_default=True,
              help="rollup: monthly rollups (stale months from the lines); raw: every line, for audits.")
def report_command(period: str, slugs: tuple[str, ...], fmt: str, source: str) -> None:
    """Print the impact-purchasing figures for a period: numerators, denominators, shares, rules used."""
    try:
        report = reports.compute_report(period, list(slugs) or None, source=source)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if fmt == "json":
        click.echo(json.dumps(reports.report_to_json(report), indent=2))
    elif fmt == "csv":
        click.echo(reports.report_to_csv(report), nl=False)
    else:
        click.echo(reports.report_to_text(report), nl=False)


from marketplace.impact import rollup_commands  # noqa: E402,F401  (adds refresh and check to impact_cli)

commands = [spend_cli, impact_cli]
