"""Migrations build exactly the schema the models describe, both ways, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from biddaemon.errors import SchemaNotCurrent
from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import Base

TABLES = set(Base.metadata.tables)


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
    engine.dispose()
