"""`flask users ...`: accounts created from the command line."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from marketplace import db
from marketplace.auth import services
from marketplace.auth.passwords import password_problems
from marketplace.errors import DomainError

users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@users_cli.command("create-backbone")
@click.argument("email")
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_backbone(email: str, name: str, password_stdin: bool) -> None:
    """Create a backbone (collaborative administrator) account."""
    email = services.normalize_email(email)
    if services.find_user_by_email(email) is not None:
        raise click.ClickException(f"An account with the email {email} already exists.")
    password = _read_password(password_stdin)
    problems = password_problems(password, email=email)
    if problems:
        raise click.ClickException("The password was refused: " + " ".join(problems))
    try:
        user = services.create_user(email=email, password=password, role="backbone", name=name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created backbone user {user.email} (id {user.id}).")


commands = [users_cli]
