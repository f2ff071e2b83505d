"""the ballot ledger: allocations as data, adopted ballots and why a ballot is in doubt

Existing ballots get their allocations from their stored decision records, so a database that
predates the table keeps every commitment it had.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from alembic import op

import biddaemon.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ballots = sa.table("ballots", sa.column("id", sa.Integer()), sa.column("decision", sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("adopted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("doubt_reason", sa.Text(), nullable=True))
    allocations = op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.String(length=64), nullable=False),
        sa.Column("asset_kind", sa.String(length=16), nullable=False),
        sa.Column("asset_id", sa.String(length=128), nullable=False),
        sa.Column("capacity", biddaemon.store.types.Amount(precision=14, scale=3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_allocations_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_ballot_id"), ["ballot_id"], unique=False)
    assert allocations is not None
    bind = op.get_bind()
    rows = [
        row
        for ballot_id, decision in bind.execute(sa.select(_ballots.c.id, _ballots.c.decision))
        for row in _rows_of(ballot_id, decision)
    ]
    if rows:
        op.bulk_insert(allocations, rows)


def _rows_of(ballot_id: int, decision: Any) -> Iterator[dict[str, Any]]:
    """The allocations a decision record promises; a record we cannot read promises nothing
    readable, so it is skipped rather than failing the upgrade."""
    if not isinstance(decision, Mapping) or decision.get("outcome") not in ("ballot", "unchanged"):
        return
    for bid in decision.get("bids") or ():
        try:
            window = bid["window"]
            schedule = {
                "start_date": date.fromisoformat(window["start_date"]),
                "end_date": date.fromisoformat(window["end_date"]),
                "start_time": time.fromisoformat(window["start_time"]),
                "end_time": time.fromisoformat(window["end_time"]),
                "days": list(window["days"]),
            }
            for share in bid.get("allocation") or ():
                yield {
                    "ballot_id": ballot_id,
                    "window_id": str(bid["window_id"]),
                    "asset_kind": str(share.get("kind", "flex")),
                    "asset_id": str(share["asset_id"]),
                    "capacity": Decimal(str(share["capacity"])).quantize(Decimal("0.001")),
                    **schedule,
                }
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue


def downgrade() -> None:
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_ballot_id"))
    op.drop_table("allocations")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_column("doubt_reason")
        batch_op.drop_column("adopted")
