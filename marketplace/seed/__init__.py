"""`flask seed-demo` and `flask demo-logins`: the demo collaborative."""
from __future__ import annotations

import time

import click
from flask import current_app

from marketplace import db


@click.command("seed-demo")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--scale", default="small", show_default=True, type=click.Choice(["small", "large"]),
              help="small: a demo in seconds; large: 20,000 vendors and 1,000,000 spend lines.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any institution exists.")
def seed_demo_command(seed: int, scale: str, if_empty: bool) -> None:
    """Create the demo collaborative (institutions, vendors, opportunities, bids, spend)."""
    from marketplace.errors import DomainError
    from marketplace.seed import services

    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("seed-demo creates accounts with a published password; not in production.")
    if if_empty and services.has_institutions():
        click.echo("The database already holds institutions; nothing seeded.")
        return
    started = time.perf_counter()
    try:
        counts = services.seed_demo(seed=seed, scale=scale, progress=True)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{counts.get(name, 0):,} {name.replace('_', ' ')}" for name in
                        ("institutions", "vendors", "users", "opportunities", "bids", "awards", "spend_lines"))
    click.echo(f"Seeded the demo collaborative (seed {seed}, {scale}) in {elapsed:.1f} s: {summary}.")


@click.command("demo-logins")
def demo_logins_command() -> None:
    """Print the demo logins (one per role), if the demo has been seeded."""
    from marketplace.seed import services

    logins = services.demo_logins()
    if not logins:
        click.echo("No demo logins: run `flask seed-demo` first.", err=True)
        return
    click.echo("Demo logins:")
    for role, email, password in logins:
        click.echo(f"  {role:<9} {email:<28} password: {password}")


commands: list = [seed_demo_command, demo_logins_command]
