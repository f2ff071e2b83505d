"""kill -9 during a SQLite migration leaves a database the next start can use (issue case 5).

A few kills here; `make chaos` runs 50 during fresh migrations and 20 during upgrades.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from biddaemon.daemon.instance import PostgresAdvisoryLock, holding, lock_for
from biddaemon.sandbox import SandboxConfig, SandboxServer
from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import Base
from biddaemon.store.repair import schema_at
from tests.chaos.migration_kills import (
    BIDDAEMON,
    FRESH,
    UPGRADE,
    environment,
    first_revision,
    kill_loop,
)
from tests.daemon.conftest import market_env
from tests.daemon.test_processes import Notifications, finish, start
from tests.daemon.test_processes import environment as daemon_environment

pytestmark = pytest.mark.slow


def test_kill_9_during_a_fresh_sqlite_migration_leaves_a_usable_database(
    tmp_path: Path,
) -> None:
    report = kill_loop(tmp_path, FRESH, kills=3, seed=5)
    assert report.unusable == [], report.line()
    assert report.kills == 3


def test_kill_9_during_a_sqlite_upgrade_leaves_a_usable_database(tmp_path: Path) -> None:
    report = kill_loop(tmp_path, UPGRADE, kills=2, seed=6)
    assert report.unusable == [], report.line()


def biddaemon(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A command with auto-migrate and market settings (no market: none is reached first)."""
    env = {
        **environment(url),
        **market_env("http://127.0.0.1:9"),
        "BIDDAEMON_AUTO_MIGRATE": "true",
    }
    return subprocess.run([BIDDAEMON, *args], env=env, capture_output=True, text=True, timeout=120)


def models_match(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata) == [] and (
                migrate.current_revision(engine) == migrate.head_revision()
            )
    finally:
        engine.dispose()


def test_tables_without_a_revision_are_named_half_applied_and_repaired(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine, first_revision())
    with engine.begin() as connection:  # as an old biddaemon killed before stamping left it
        connection.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()

    refused = biddaemon(sqlite_url, "db", "upgrade")
    assert refused.returncode == 2, refused.stderr
    assert f"holds part of schema revision {first_revision()}" in refused.stderr
    assert "records no revision" in refused.stderr
    assert "table competitions already exists" in refused.stderr
    assert "`biddaemon db repair`" in refused.stderr
    assert "cannot reach the database" not in refused.stderr

    repaired = biddaemon(sqlite_url, "db", "repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "removed table competitions" in repaired.stdout
    assert models_match(sqlite_url)


def test_a_column_of_the_next_revision_is_named_half_applied_and_repaired(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine, first_revision())
    following = migrate.next_revision(first_revision())
    added = next(
        iter(
            set(schema_at(following).columns["competitions"])
            - set(schema_at(first_revision()).columns["competitions"])
        )
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER TABLE competitions ADD COLUMN {added} JSON")
    engine.dispose()

    refused = biddaemon(sqlite_url, "once")
    assert refused.returncode == 2, refused.stderr
    assert f"holds part of schema revision {following}" in refused.stderr
    assert f"records revision {first_revision()}" in refused.stderr
    assert f"duplicate column name: {added}" in refused.stderr

    repaired = biddaemon(sqlite_url, "db", "repair")
    assert repaired.returncode == 0, repaired.stderr
    assert f"removed column competitions.{added}" in repaired.stdout
    assert models_match(sqlite_url)


def test_repair_refuses_to_drop_a_leftover_that_holds_data(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine, first_revision())
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
        connection.exec_driver_sql(
            "INSERT INTO job_runs (id, job, started_at, status, dry_run) "
            "VALUES (1, 'results', '2027-01-05 10:00:00', 'succeeded', 0)"
        )
    engine.dispose()
    refused = biddaemon(sqlite_url, "db", "repair")
    assert refused.returncode == 2, refused.stderr
    assert "hold data (table job_runs)" in refused.stderr
    engine = make_engine(sqlite_url)
    assert "job_runs" in inspect(engine).get_table_names(), "nothing was changed"
    engine.dispose()


def test_sqlite_upgrade_and_once_refuse_to_migrate_while_an_instance_is_active(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    lock = lock_for(engine)
    lock.acquire(wait=False)
    try:
        refused = biddaemon(sqlite_url, "db", "upgrade")
        started = biddaemon(sqlite_url, "once")
    finally:
        lock.release()
    assert refused.returncode == 2, refused.stderr
    assert f"another biddaemon is already active on this database: pid {os.getpid()}" in (
        refused.stderr
    )
    assert started.returncode == 2, started.stderr
    assert inspect(engine).get_table_names() == [], "nobody migrated beside the active instance"
    engine.dispose()


def test_postgres_takes_the_instance_lock_before_migrating(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with holding(engine):
        upgrade = biddaemon(postgres_url, "db", "upgrade")
        once = biddaemon(postgres_url, "once")
        tables = inspect(engine).get_table_names()
    assert upgrade.returncode == 2, upgrade.stderr
    assert once.returncode == 2, once.stderr
    assert "another biddaemon is already active on this database" in once.stderr
    assert tables == [], "nobody migrated while another instance held the lock"
    assert biddaemon(postgres_url, "db", "upgrade").returncode == 0
    engine.dispose()


def test_a_postgres_standby_migrates_only_once_it_holds_the_lock(
    postgres_url: str, tmp_path: Path
) -> None:
    notes = Notifications()
    log = tmp_path / "run.log"
    engine = make_engine(postgres_url)
    with SandboxServer(SandboxConfig(speed=1, seed=11)) as market:
        lock = PostgresAdvisoryLock(engine)
        lock.acquire(wait=False)
        process = start(
            ["run"], daemon_environment(market, postgres_url, NOTIFY_SOCKET=str(notes.path)), log
        )
        try:
            assert "STATUS=standby" in notes.wait_for("READY=1", process, timeout=60)
            assert inspect(engine).get_table_names() == [], "a standby does not migrate"
            lock.release()
            notes.wait_for("STATUS=active", process, timeout=60)
            assert migrate.current_revision(engine) == migrate.head_revision()
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{log.read_text()[-3000:]}") from None
        finally:
            lock.release()
            finish(process)
            notes.close()
    engine.dispose()
