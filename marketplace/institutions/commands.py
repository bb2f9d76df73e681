"""`flask institutions ...` and `flask collaborative ...`: scripted administration.

Each command validates everything before changing anything, commits once, prints what it
did, and can be run again with the same arguments without effect. A refused change exits 1
with the reason.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask.cli import AppGroup

from marketplace import db
from marketplace.errors import DomainError
from marketplace.institutions import services

institutions_cli = AppGroup("institutions", help="Add, change and list member institutions.")
collaborative_cli = AppGroup("collaborative", help="Show and change the collaborative's settings.")


def _committing(command: Callable[..., Any]) -> Callable[..., Any]:
    """Commit when the command succeeds; roll back and exit 1 with the message on a DomainError."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        return result

    return run


def _institution_line(inst) -> str:
    rule = services.describe_rule(inst.local_rule)
    local = "own region: " + ", ".join(rule["counties"] + rule["zips"]) if inst.local_rule else "collaborative region"
    return (f"{inst.slug}\t{inst.name}\t{inst.sector}\t{inst.timezone}\tFY starts month "
            f"{inst.fiscal_year_start_month}\t{local}")


@institutions_cli.command("add")
@click.argument("slug")
@click.option("--name", help="Full name (required for a new institution).")
@click.option("--sector", help="health, higher_education, k12, city, county or other (required for a new one).")
@click.option("--timezone", "timezone_name", help="IANA time zone [default for a new one: America/New_York].")
@click.option("--fiscal-year-start", type=int, help="Month the fiscal year starts, 1-12 [default for a new one: 7].")
@_committing
def add(slug: str, name: str | None, sector: str | None, timezone_name: str | None,
        fiscal_year_start: int | None) -> None:
    """Add an institution, or update the one with this SLUG to the given values."""
    try:
        existing = services.get_institution(slug)
    except DomainError:
        existing = None
    if existing is None:
        missing = [flag for flag, value in (("--name", name), ("--sector", sector)) if not value]
        if missing:
            raise DomainError(f"A new institution needs {' and '.join(missing)}.")
        before = None
    else:
        before = _institution_line(existing)
    inst = services.add_institution(
        slug,
        name if name is not None else existing.name,
        sector if sector is not None else existing.sector,
        timezone_name if timezone_name is not None else (existing.timezone if existing else services.DEFAULT_TIMEZONE),
        fiscal_year_start if fiscal_year_start is not None else (
            existing.fiscal_year_start_month if existing else services.DEFAULT_FISCAL_YEAR_START),
        actor=None,
    )
    outcome = "created" if before is None else ("unchanged" if before == _institution_line(inst) else "updated")
    click.echo(f"{outcome}: {_institution_line(inst)}")


@institutions_cli.command("list")
def list_() -> None:
    """List the institutions, one per line (tab-separated)."""
    rows = services.list_institutions()
    for inst in rows:
        click.echo(_institution_line(inst))
    if not rows:
        click.echo("No institutions yet. Add one with `flask institutions add`.")


@institutions_cli.command("set-nonaddressable")
@click.argument("slug")
@click.argument("categories", nargs=-1)
@_committing
def set_nonaddressable(slug: str, categories: tuple[str, ...]) -> None:
    """Mark exactly CATEGORIES non-addressable for SLUG (creating them); its others addressable."""
    inst = services.get_institution(slug)
    rows = services.set_nonaddressable(inst, categories, actor=None)
    for category in sorted(rows, key=lambda c: c.name.lower()):
        click.echo(f"{category.name}\t{'addressable' if category.addressable else 'non-addressable'}")


@institutions_cli.command("set-local-rule")
@click.argument("slug")
@click.option("--county", "counties", multiple=True, help="STATE:County, e.g. FL:Broward (repeatable).")
@click.option("--zip", "zips", multiple=True, help="An extra 5-digit ZIP code (repeatable).")
@click.option("--use-collaborative", is_flag=True, help="Drop the own region; use the collaborative's.")
@_committing
def set_local_rule(slug: str, counties: tuple[str, ...], zips: tuple[str, ...], use_collaborative: bool) -> None:
    """Give SLUG its own region of counties and ZIPs, or make it use the collaborative's."""
    inst = services.get_institution(slug)
    if use_collaborative == bool(counties or zips):
        raise DomainError("Give --county/--zip for an own region, or --use-collaborative, not both.")
    services.set_institution_local_rule(inst, None if use_collaborative else counties, zips, actor=None)
    click.echo(_institution_line(inst))


def _show_collaborative() -> None:
    collab = services.get_collaborative()
    region = services.describe_rule(collab.local_rule)
    click.echo(f"name: {collab.name}")
    click.echo(f"backbone: {collab.backbone_name or '-'}")
    click.echo(f"region counties: {', '.join(region['counties']) or '-'}")
    click.echo(f"region extra ZIPs: {', '.join(region['zips']) or '-'}")
    click.echo(f"certification types: {', '.join(collab.enabled_certification_types or []) or '-'}")
    click.echo(f"expiry rule: {collab.expiry_rule_label}")
    click.echo(f"institutions: {len(services.list_institutions())}")


@collaborative_cli.command("show")
@_committing
def show() -> None:
    """Print the collaborative's settings (creating the collaborative on first use)."""
    _show_collaborative()


@collaborative_cli.command("set-region")
@click.option("--county", "counties", multiple=True, help="STATE:County, e.g. FL:Broward (repeatable).")
@click.option("--zip", "zips", multiple=True, help="An extra 5-digit ZIP code (repeatable).")
@_committing
def set_region(counties: tuple[str, ...], zips: tuple[str, ...]) -> None:
    """Make the region exactly these counties and extra ZIP codes."""
    if not counties and not zips:
        raise DomainError("Give at least one --county STATE:County or --zip ZIP.")
    services.set_collaborative_region(counties, zips, actor=None)
    _show_collaborative()


@collaborative_cli.command("set-expiry-rule")
@click.argument("rule")
@_committing
def set_expiry_rule(rule: str) -> None:
    """Set the certification expiry rule: strict, fiscal_year or grace:DAYS."""
    collab = services.set_expiry_rule(rule, actor=None)
    click.echo(f"expiry rule: {collab.expiry_rule_label}")


@collaborative_cli.command("set-categories")
@click.argument("types", nargs=-1, required=True)
@_committing
def set_categories(types: tuple[str, ...]) -> None:
    """Enable exactly these certification TYPES (SBE MBE WBE DBE DOBE VBE SDVOB LGBTBE employee_owned)."""
    collab = services.set_categories(types, actor=None)
    click.echo(f"certification types: {', '.join(collab.enabled_certification_types)}")


commands = [institutions_cli, collaborative_cli]
