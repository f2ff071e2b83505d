"""Engines and sessions: SQLite tuned for a long-running daemon, PostgreSQL as it comes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

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
