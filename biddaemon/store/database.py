"""Engines and sessions: SQLite tuned for a long-running daemon, PostgreSQL as it comes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from biddaemon.errors import RetryLater

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # No folder is created here: a mistyped path must fail, not become a fresh database
        # (the CLI checks the path first, biddaemon.cli.database_checks).
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_migration_engine(url: str | URL) -> Engine:
    """An engine for Alembic on which a whole upgrade is one transaction, on SQLite too.

    pysqlite runs DDL outside any transaction by default, so a kill -9 in the middle of a
    migration left half a schema behind. Here the driver's own transaction handling is turned
    off and SQLAlchemy emits `BEGIN IMMEDIATE` itself (SQLAlchemy's documented pysqlite recipe):
    every CREATE, ALTER and the alembic_version row commit together or not at all, and a second
    migrator waits for the write lock instead of racing. Foreign keys are off while migrating,
    as Alembic's batch mode needs to recreate tables that others reference; `upgrade` checks
    them before committing. The daemon's own sessions use `make_engine` and are unchanged.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, poolclass=NullPool
    )
    event.listen(engine, "connect", _sqlite_migration_connection)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_migration_connection(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
    dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, says when to BEGIN


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


class DatabaseUnavailable(RetryLater):
    """The database could not be reached; the command could not run (exit 1)."""

    def __init__(self, engine: Engine, cause: Exception) -> None:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(cause, "orig", cause)).strip().splitlines()[0]
        super().__init__(f"cannot reach the database {url}: {reason}")


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Turn a connection failure inside the block into DatabaseUnavailable (without secrets)."""
    try:
        yield
    except OperationalError as exc:
        raise DatabaseUnavailable(engine, exc) from None
