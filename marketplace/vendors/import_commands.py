"""`flask vendors import FILE.csv`: onboard an anchor's existing vendor list, all rows or none."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from tqdm import tqdm

from marketplace import clock, db
from marketplace.errors import DomainError
from marketplace.vendors import importer
from marketplace.vendors.import_rows import ImportRefused

vendors_cli = AppGroup("vendors", help="Vendor onboarding.")


def _progress(phase: str, total: int) -> tqdm:
    """A progress bar on stderr, so stdout carries only the report."""
    return tqdm(total=total, desc=phase, unit="row", file=sys.stderr,
                mininterval=0.2, ascii=True)


def summary_lines(result: importer.ImportResult) -> list[str]:
    """The report of an applied import, one fact a line."""
    lines = [f"Applied {result.filename} (SHA-256 {result.sha256}), import batch {result.batch_id}.",
             f"Rows: {result.rows_total}; rows that added something: {result.rows_added}.",
             f"Vendors added: {result.vendors_added}; already known: {result.vendors_matched}.",
             f"Certifications added ({'verified' if result.verified else 'pending'}): "
             f"{result.certifications_added}; already held: {result.certifications_existing}."]
    if result.previously_applied_at is not None:
        lines.append(f"The same file was applied before, on {result.previously_applied_at.isoformat()}.")
    return lines


@vendors_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verified", is_flag=True,
              help="Record the certifications as verified (they arrive pending otherwise). Needs --actor.")
@click.option("--actor", "actor_email", metavar="EMAIL",
              help="The backbone user who checked the certifications; recorded as their verifier.")
def import_vendors(file: Path, verified: bool, actor_email: str | None) -> None:
    """Import vendors and certifications from FILE (CSV); every row is checked first, then all apply or none."""
    data = file.read_bytes()
    try:
        actor = importer.resolve_actor(actor_email, verified=verified)
        result = importer.import_vendors(data, file.name, actor=actor, verified=verified, now=clock.utcnow(),
                                         progress=_progress)
    except ImportRefused as refused:
        db.session.rollback()
        if refused.extra_columns:
            click.echo(f"Ignored columns: {', '.join(refused.extra_columns)}.", err=True)
        lines = [refused.message, *(str(p) for p in refused.problems)]
        raise click.ClickException("\n".join(lines)) from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    if result.extra_columns:
        click.echo(f"Ignored columns: {', '.join(result.extra_columns)}.")
    for line in summary_lines(result):
        click.echo(line)


commands = [vendors_cli]
