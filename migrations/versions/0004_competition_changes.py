"""competition events (changes under our ballots, result anomalies); observation errors

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import biddaemon.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competition_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_competition_events_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competition_events")),
    )
    with op.batch_alter_table("competition_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competition_events_competition_id"), ["competition_id"], unique=False
        )
    with op.batch_alter_table("opportunity_observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.alter_column(
            "total_capacity",
            existing_type=biddaemon.store.types.Amount(precision=14, scale=3),
            nullable=True,
        )


def downgrade() -> None:
    # An observation whose capacity could not be stored has none: it cannot survive the old
    # NOT NULL column, and the reason it carries goes with the column.
    op.execute("DELETE FROM opportunity_observations WHERE total_capacity IS NULL")
    with op.batch_alter_table("opportunity_observations", schema=None) as batch_op:
        batch_op.alter_column(
            "total_capacity",
            existing_type=biddaemon.store.types.Amount(precision=14, scale=3),
            nullable=False,
        )
        batch_op.drop_column("error")
    with op.batch_alter_table("competition_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competition_events_competition_id"))
    op.drop_table("competition_events")
