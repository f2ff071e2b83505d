"""Migrations build exactly the schema the models describe, both ways, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from biddaemon.errors import SchemaNotCurrent
from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import Allocation, Ballot, Base

TABLES = set(Base.metadata.tables)
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


def test_upgrade_downgrade_upgrade_round_trip(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert migrate.current_revision(engine) == migrate.head_revision()

    migrate.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_unmigrated_database_is_refused_with_the_command_to_run(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(SchemaNotCurrent, match=r"run `biddaemon db upgrade`"):
        migrate.ensure_current(engine, auto_migrate=False)
    engine.dispose()


def test_outdated_database_is_refused_naming_both_revisions(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    with pytest.raises(SchemaNotCurrent, match=r"revision older, this biddaemon needs"):
        migrate.ensure_current(engine, auto_migrate=False)


def test_auto_migrate_brings_an_empty_database_to_head(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.ensure_current(engine, auto_migrate=True)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_0003_backfills_allocations_from_existing_decision_records_and_downgrades(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0002")
    record = {
        "version": 1,
        "outcome": "ballot",
        "competition": {"id": "c1"},
        "bids": [
            {
                "window_id": "w1",
                "window": {
                    "start_date": "2027-11-01",
                    "end_date": "2028-03-01",
                    "start_time": "16:00:00",
                    "end_time": "19:00:00",
                    "days": ["mon", "tue"],
                },
                "allocation": [
                    {"kind": "flex", "asset_id": "battery", "capacity": "1.500"},
                    {"kind": "planned", "asset_id": "solar", "capacity": "0.250"},
                ],
            }
        ],
    }
    refused = {"version": 1, "outcome": "refused", "competition": {"id": "c1"}, "bids": []}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO competitions (id, type, need_direction, status, raw, "
                "first_observed_at, observed_at, done) VALUES ('c1', 'availability', 'deficit', "
                "'open', '{}', :now, :now, false)"
            ),
            {"now": "2027-01-10 12:00:00+00:00"},
        )
        for ballot_id, decision in ((1, record), (2, refused)):
            connection.execute(
                text(
                    "INSERT INTO ballots (id, competition_id, fingerprint, state, flex_asset_ids, "
                    "planned_asset_ids, request_body, decision, strategy, created_at, "
                    "updated_at, dry_run) VALUES (:id, 'c1', :fp, 'submitted', '[]', '[]', '{}', "
                    ":decision, 'test', :now, :now, false)"
                ),
                {
                    "id": ballot_id,
                    "fp": str(ballot_id) * 64,
                    "decision": json.dumps(decision),
                    "now": "2027-01-10 12:00:00+00:00",
                },
            )

    migrate.upgrade(engine)
    with Session(engine) as session:
        rows = session.scalars(select(Allocation).order_by(Allocation.id)).all()
        assert [(r.ballot_id, r.asset_kind, r.asset_id, r.capacity) for r in rows] == [
            (1, "flex", "battery", Decimal("1.500")),
            (1, "planned", "solar", Decimal("0.250")),
        ]
        assert rows[0].start_time == time(16)
        assert rows[0].days == ["mon", "tue"]
        assert session.get_one(Ballot, 1).adopted is False
        held = Ledger.load(session, NOW, timedelta(minutes=15)).held_for("other")
    assert {(c.asset_id, c.capacity) for c in held} == {
        ("battery", Decimal("1.500")),
        ("solar", Decimal("0.250")),
    }

    migrate.downgrade(engine, "0002")
    assert "allocations" not in inspect(engine).get_table_names()
    assert "adopted" not in {c["name"] for c in inspect(engine).get_columns("ballots")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ballots")).scalar() == 2
    engine.dispose()


def test_competition_events_migration_keeps_observations_both_ways(database_url: str) -> None:
    """0004 adds competition events and lets an observation carry an error instead of a figure;
    downgrading drops them and the observations that have no figure, and keeps the rest."""
    engine = make_engine(database_url)
    before = ScriptDirectory(str(migrate.migrations_dir())).get_revision("0004").down_revision
    assert isinstance(before, str)
    migrate.upgrade(engine, before)
    at = "2027-01-05 10:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO competitions (id, type, need_direction, status, raw, "
                "first_observed_at, observed_at, done) VALUES "
                "('c1', 'sustain', 'deficit', 'open', '{}', :at, :at, false)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO opportunity_observations (competition_id, observed_at, "
                "flex_asset_ids, planned_asset_ids, total_capacity, dry_run) VALUES "
                "('c1', :at, '[]', '[]', '1.500', false)"
            ),
            {"at": at},
        )

    migrate.upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO opportunity_observations (competition_id, observed_at, "
                "flex_asset_ids, planned_asset_ids, total_capacity, error, dry_run) VALUES "
                "('c1', :at, '[]', '[]', NULL, 'too many places', false)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO competition_events (competition_id, at, kind, detail, dry_run) "
                "VALUES ('c1', :at, 'window_removed', 'window w removed after we bid', false)"
            ),
            {"at": at},
        )
        kept = connection.execute(
            text("SELECT total_capacity, error FROM opportunity_observations ORDER BY id")
        ).all()
    assert [(str(c) if c is not None else None, e) for c, e in kept] == [
        ("1.500", None),
        (None, "too many places"),
    ]

    migrate.downgrade(engine, before)
    assert "competition_events" not in inspect(engine).get_table_names()
    columns = {c["name"]: c for c in inspect(engine).get_columns("opportunity_observations")}
    assert "error" not in columns
    assert columns["total_capacity"]["nullable"] is False
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT total_capacity FROM opportunity_observations"))
        assert [str(c) for (c,) in rows] == ["1.500"]
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_0005_adds_the_last_applied_fields_and_the_retirement_and_downgrades(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0005")
    columns = {c["name"] for c in inspect(engine).get_columns("platform_asset_links")}
    assert {"last_applied_fields", "retired_at"} <= columns
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO inventory_assets (id, ref, name, technology, status, details, "
                "created_at, updated_at) VALUES (1, 'bess', 'BESS', 'battery', 'operational', "
                "'{}', :now, :now)"
            ),
            {"now": "2027-01-10 12:00:00+00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO platform_asset_links (inventory_asset_id, platform, remote_kind, "
                "remote_id, last_applied_fields) VALUES (1, 'flatpeak', 'device', 'dev_1', :f)"
            ),
            {"f": json.dumps({"type": "BATTERY_SYSTEM"})},
        )

    migrate.downgrade(engine, "-1")
    columns = {c["name"] for c in inspect(engine).get_columns("platform_asset_links")}
    assert "last_applied_fields" not in columns
    assert "retired_at" not in columns
    with engine.connect() as connection:
        assert connection.execute(text("SELECT remote_id FROM platform_asset_links")).all() == [
            ("dev_1",)
        ]
    migrate.upgrade(engine)
    engine.dispose()
