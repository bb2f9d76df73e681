"""outbox: the one-click List-Unsubscribe address of an email (RFC 8058)

Existing messages have none (they were queued without it and are sent as they were).

Revision ID: m3l8
Revises: r7u1
Create Date: 2026-11-27 06:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'm3l8'
down_revision: str | None = 'r7u1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_unsubscribe', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('list_unsubscribe')
