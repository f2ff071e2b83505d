"""Migrations build exactly the schema the models describe, both ways, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
