"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 02:28:52.546544
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import biddaemon.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competitions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("operator_name", sa.String(length=256), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("need_direction", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "competition_open", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "competition_close", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column(
            "first_observed_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("observed_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("results_status", sa.String(length=16), nullable=True),
        sa.Column(
            "results_checked_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "results_published_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitions")),
    )
    op.create_table(
        "inventory_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("technology", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("export_mw", biddaemon.store.types.Amount(precision=14, scale=3), nullable=True),
        sa.Column("import_mw", biddaemon.store.types.Amount(precision=14, scale=3), nullable=True),
        sa.Column("energy_mwh", biddaemon.store.types.Amount(precision=14, scale=3), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_assets")),
        sa.UniqueConstraint("ref", name=op.f("uq_inventory_assets_ref")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("started_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running", "succeeded", "failed", name="jobstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_runs_job_started_at"), ["job", "started_at"], unique=False
        )

    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitting",
                "submitted",
                "rejected",
                "unknown",
                "superseded",
                name="ballotstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("market_ballot_id", sa.String(length=64), nullable=True),
        sa.Column("flex_asset_ids", sa.JSON(), nullable=False),
        sa.Column("planned_asset_ids", sa.JSON(), nullable=False),
        sa.Column("request_body", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("strategy", sa.String(length=128), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("rejection_text", sa.Text(), nullable=True),
        sa.Column("created_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_ballots_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["ballots.id"], name=op.f("fk_ballots_supersedes_id_ballots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_ballots_fingerprint")),
        sa.UniqueConstraint("market_ballot_id", name=op.f("uq_ballots_market_ballot_id")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ballots_competition_id_state"), ["competition_id", "state"], unique=False
        )

    op.create_table(
        "opportunity_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("observed_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flex_asset_ids", sa.JSON(), nullable=False),
        sa.Column("planned_asset_ids", sa.JSON(), nullable=False),
        sa.Column(
            "total_capacity", biddaemon.store.types.Amount(precision=14, scale=3), nullable=False
        ),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_run_id"],
            ["job_runs.id"],
            name=op.f("fk_opportunity_observations_job_run_id_job_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_observations")),
    )
    with op.batch_alter_table("opportunity_observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_observations_competition_id"),
            ["competition_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_observations_job_run_id"), ["job_run_id"], unique=False
        )

    op.create_table(
        "platform_asset_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inventory_asset_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("remote_kind", sa.String(length=32), nullable=False),
        sa.Column("remote_id", sa.String(length=128), nullable=False),
        sa.Column(
            "last_applied_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_applied_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["inventory_asset_id"],
            ["inventory_assets.id"],
            name=op.f("fk_platform_asset_links_inventory_asset_id_inventory_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_asset_links")),
        sa.UniqueConstraint(
            "inventory_asset_id",
            "platform",
            name=op.f("uq_platform_asset_links_inventory_asset_id_platform"),
        ),
        sa.UniqueConstraint(
            "platform",
            "remote_kind",
            "remote_id",
            name=op.f("uq_platform_asset_links_platform_remote_kind_remote_id"),
        ),
    )
    op.create_table(
        "service_periods",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_service_periods_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_periods")),
    )
    with op.batch_alter_table("service_periods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_periods_competition_id"), ["competition_id"], unique=False
        )

    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_window_id", sa.String(length=64), nullable=False),
        sa.Column("capacity", biddaemon.store.types.Amount(precision=14, scale=3), nullable=False),
        sa.Column("max_runtime", sa.String(length=32), nullable=True),
        sa.Column(
            "availability_rate", biddaemon.store.types.Amount(precision=14, scale=2), nullable=True
        ),
        sa.Column(
            "utilisation_rate", biddaemon.store.types.Amount(precision=14, scale=2), nullable=True
        ),
        sa.Column(
            "service_fee_rate", biddaemon.store.types.Amount(precision=14, scale=2), nullable=True
        ),
        sa.Column("market_bid_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_bids_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
    )
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bids_ballot_id"), ["ballot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bids_market_bid_id"), ["market_bid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bids_service_window_id"), ["service_window_id"], unique=False
        )

    op.create_table(
        "service_windows",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_period_id", sa.String(length=64), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("bank_holidays", sa.String(length=16), nullable=True),
        sa.Column(
            "capacity_required", biddaemon.store.types.Amount(precision=14, scale=3), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_service_windows_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_period_id"],
            ["service_periods.id"],
            name=op.f("fk_service_windows_service_period_id_service_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_windows")),
    )
    with op.batch_alter_table("service_windows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_windows_competition_id"), ["competition_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_windows_service_period_id"), ["service_period_id"], unique=False
        )

    op.create_table(
        "submission_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("started_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "submitted",
                "rejected",
                "ambiguous",
                "not_sent",
                name="attemptoutcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_submission_attempts_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_attempts")),
    )
    with op.batch_alter_table("submission_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_attempts_ballot_id"), ["ballot_id"], unique=False
        )

    op.create_table(
        "bid_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("market_bid_id", sa.String(length=64), nullable=False),
        sa.Column("market_ballot_id", sa.String(length=64), nullable=True),
        sa.Column("bid_id", sa.Integer(), nullable=True),
        sa.Column("service_window_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("accepted", "rejected", name="outcomestatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("capacity", biddaemon.store.types.Amount(precision=14, scale=3), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", biddaemon.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_outcomes_bid_id_bids")),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_bid_outcomes_competition_id_competitions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_outcomes")),
        sa.UniqueConstraint(
            "competition_id",
            "market_bid_id",
            name=op.f("uq_bid_outcomes_competition_id_market_bid_id"),
        ),
    )
    with op.batch_alter_table("bid_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_outcomes_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bid_outcomes_competition_id"), ["competition_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bid_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_outcomes_competition_id"))
        batch_op.drop_index(batch_op.f("ix_bid_outcomes_bid_id"))

    op.drop_table("bid_outcomes")
    with op.batch_alter_table("submission_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_attempts_ballot_id"))

    op.drop_table("submission_attempts")
    with op.batch_alter_table("service_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_windows_service_period_id"))
        batch_op.drop_index(batch_op.f("ix_service_windows_competition_id"))

    op.drop_table("service_windows")
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bids_service_window_id"))
        batch_op.drop_index(batch_op.f("ix_bids_market_bid_id"))
        batch_op.drop_index(batch_op.f("ix_bids_ballot_id"))

    op.drop_table("bids")
    with op.batch_alter_table("service_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_periods_competition_id"))

    op.drop_table("service_periods")
    op.drop_table("platform_asset_links")
    with op.batch_alter_table("opportunity_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_observations_job_run_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_observations_competition_id"))

    op.drop_table("opportunity_observations")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_competition_id_state"))

    op.drop_table("ballots")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_job_started_at"))

    op.drop_table("job_runs")
    op.drop_table("inventory_assets")
    op.drop_table("competitions")
