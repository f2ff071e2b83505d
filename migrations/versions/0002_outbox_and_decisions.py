"""notification outbox and the last decision per competition

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:34:31.900147
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import biddaemon.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_decision", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "last_decided_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("delivered_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_delivered_at_next_attempt_at"),
            ["delivered_at", "next_attempt_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_delivered_at_next_attempt_at"))

    op.drop_table("notifications")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("last_decided_at")
        batch_op.drop_column("last_decision")
