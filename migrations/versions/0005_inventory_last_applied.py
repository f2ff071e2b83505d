"""the inventory remembers what it last wrote on each platform, and what it retired

`last_applied_fields` holds the fields as last sent (a field a platform never returns is
compared with it, and it tells our change from a change made on the platform);
`retired_at` marks a link whose asset left the inventory and was retired by `apply --prune`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import biddaemon.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform_asset_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_applied_fields", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("retired_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_asset_links", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("last_applied_fields")
