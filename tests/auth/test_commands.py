"""`flask users create-backbone`."""
from __future__ import annotations

import sqlalchemy as sa

from marketplace import db
from marketplace.auth.models import User
from marketplace.auth.passwords import verify_password

from tests.conftest import PASSWORD


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_backbone_prompts_twice_for_a_hidden_password(runner):
    result = runner.invoke(args=["users", "create-backbone", "Admin@Example.org", "--name", "Ada Admin"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = _user("admin@example.org")
    assert user.role == "backbone" and user.name == "Ada Admin"
    assert verify_password(user.password_hash, PASSWORD)


def test_create_backbone_reads_the_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create-backbone", "ops@example.org", "--password-stdin"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert verify_password(_user("ops@example.org").password_hash, PASSWORD)


def test_create_backbone_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create-backbone", "ops@example.org", "--password-stdin"],
                           input="password1234\n")
    assert result.exit_code != 0
    assert "too common" in result.output
    assert _user("ops@example.org") is None


def test_create_backbone_refuses_an_existing_email(runner, make_user):
    existing = make_user("officer")
    result = runner.invoke(args=["users", "create-backbone", existing.email.upper(), "--password-stdin"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_create_backbone_refuses_mismatched_prompts(runner):
    result = runner.invoke(args=["users", "create-backbone", "ops@example.org"],
                           input=f"{PASSWORD}\nsomething else entirely\n")
    assert result.exit_code != 0
    assert _user("ops@example.org") is None
