"""One active biddaemon per database (principle 8).

Two daemons bidding from one database would race each other's ballots. SQLite gets an exclusive
`flock` on a file beside the database: a second process gives up at once and names the holder.
PostgreSQL gets a session-level advisory lock held on a dedicated connection: a second process
waits as a hot standby and takes over as soon as the holder's session ends (a crash, `kill -9`
or a lost network all end the session, so the lock cannot outlive its process).

The file lock is written by hand (`fcntl`) rather than with `filelock`, because we need to read
the holder's identity from the locked file without truncating it, which `filelock` does on open.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from biddaemon.clock import utcnow
from biddaemon.errors import OperatorActionRequired, RetryLater
from biddaemon.logs import get_logger

log = get_logger(__name__)

# A fixed 63-bit key, derived from the project name so it cannot collide with other tools' locks.
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"biddaemon-active").digest()[:8], "big") >> 1


class AnotherInstanceIsActive(OperatorActionRequired):
    """Another biddaemon already holds this database; this process must not run jobs (exit 2)."""

    exit_code = 2


class LockLost(RetryLater):
    """The active instance can no longer prove it holds the lock; it must stop taking work."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: enough for an operator to find the process."""

    host: str
    pid: int
    since: datetime

    @classmethod
    def me(cls) -> Holder:
        return cls(host=socket.gethostname(), pid=os.getpid(), since=utcnow())

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.since.isoformat(timespec='seconds')}"

    def to_json(self) -> str:
        return json.dumps({"host": self.host, "pid": self.pid, "since": self.since.isoformat()})

    @classmethod
    def from_json(cls, raw: str) -> Holder | None:
        try:
            data = json.loads(raw)
            return cls(
                host=str(data["host"]),
                pid=int(data["pid"]),
                since=datetime.fromisoformat(data["since"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


class InstanceLock(Protocol):
    """The lock that makes a process the active instance."""

    def acquire(
        self,
        *,
        wait: bool,
        stop: threading.Event | None = None,
        heartbeat: Callable[[], object] | None = None,
    ) -> bool:
        """Take the lock; with `wait`, block as a standby until it is free or `stop` is set,
        calling `heartbeat` on every poll (systemd's watchdog must hear from a standby too)."""

    def ensure_held(self) -> None:
        """Raise LockLost if the lock can no longer be proven to be ours."""

    def release(self) -> None: ...

    def describe(self) -> str: ...


class SQLiteFileLock:
    """An exclusive `flock` on `<database>.lock`; the holder writes its identity into the file."""

    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(
        self,
        *,
        wait: bool = False,
        stop: threading.Event | None = None,
        heartbeat: Callable[[], object] | None = None,
    ) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = Holder.from_json(handle.read())
            handle.close()
            who = holder.describe() if holder else "an unknown process"
            raise AnotherInstanceIsActive(
                f"another biddaemon is already active on this database: {who} "
                f"(lock file {self.path}); stop it first, or use PostgreSQL for a hot standby"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(Holder.me().to_json())
        handle.flush()
        self._file = handle
        log.info("instance lock taken", lock=str(self.path))
        return True

    def ensure_held(self) -> None:
        if self._file is None or self._file.closed:
            raise LockLost("the SQLite instance lock is not held")

    def release(self) -> None:
        if self._file is not None and not self._file.closed:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
        self._file = None

    def describe(self) -> str:
        return f"file lock {self.path}"


class PostgresAdvisoryLock:
    """A session advisory lock on a dedicated connection; a standby polls until it is free."""

    def __init__(self, engine: Engine, *, poll_seconds: float = 1.0) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self._connection: Connection | None = None

    def _connect(self) -> Connection:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        me = Holder.me()
        connection.execute(
            text("SELECT set_config('application_name', :name, false)"),
            {"name": f"biddaemon {me.host} pid {me.pid}"[:63]},
        )
        return connection

    def holder(self, connection: Connection) -> str:
        row = connection.execute(
            text(
                "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = :key "
                # Advisory locks belong to one database; other databases' holders are not ours.
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": ADVISORY_LOCK_KEY},
        ).first()
        if row is None:
            return "nobody"
        where = row.client_addr or "local socket"
        return f"{row.application_name} ({where}) since {row.backend_start}"

    def acquire(
        self,
        *,
        wait: bool = True,
        stop: threading.Event | None = None,
        heartbeat: Callable[[], object] | None = None,
    ) -> bool:
        connection = self._connect()
        announced = False
        while True:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar_one()
            if got:
                self._connection = connection
                log.info("instance lock taken", lock="postgres advisory lock")
                return True
            if not wait:
                who = self.holder(connection)
                connection.close()
                raise AnotherInstanceIsActive(
                    f"another biddaemon is already active on this database: {who}"
                )
            if not announced:
                log.info("standing by: another instance is active", holder=self.holder(connection))
                announced = True
            if heartbeat is not None:
                heartbeat()
            if stop is not None and stop.wait(self.poll_seconds):
                connection.close()
                return False
            if stop is None:
                threading.Event().wait(self.poll_seconds)

    def ensure_held(self) -> None:
        if self._connection is None:
            raise LockLost("the PostgreSQL instance lock is not held")
        try:
            held = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() "
                    "AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": ADVISORY_LOCK_KEY},
            ).scalar_one()
        except DBAPIError as exc:
            raise LockLost(f"lost the database session holding the lock: {exc.orig}") from None
        if not held:
            raise LockLost("the PostgreSQL advisory lock is no longer held")

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            except DBAPIError:
                pass  # the session is gone, and the lock with it
            finally:
                self._connection.close()
        self._connection = None

    def describe(self) -> str:
        return "postgres advisory lock"


def lock_for(engine: Engine) -> InstanceLock:
    """The right kind of lock for the database behind `engine`."""
    url = make_url(engine.url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise OperatorActionRequired("the instance lock needs a SQLite file, not :memory:")
        return SQLiteFileLock(Path(url.database).resolve())
    return PostgresAdvisoryLock(engine)


@contextmanager
def holding(engine: Engine) -> Iterator[InstanceLock]:
    """The instance lock around a short piece of work (a migration, a repair).

    Never waits: while another biddaemon is active this raises AnotherInstanceIsActive naming
    it, because changing the schema under a running daemon is what the lock exists to prevent.
    A SQLite database without a lock file has never had an active instance (each one creates
    the file, and it is never removed), so there is no one to exclude and no file is left
    behind; a process starting meanwhile waits on the migration's BEGIN IMMEDIATE instead.
    """
    lock = lock_for(engine)
    if isinstance(lock, SQLiteFileLock) and not lock.path.exists():
        yield lock
        return
    lock.acquire(wait=False)
    try:
        yield lock
    finally:
        lock.release()


def active_instance(engine: Engine) -> str:
    """Who is the active biddaemon on this database right now, for `biddaemon status`."""
    lock = lock_for(engine)
    if isinstance(lock, SQLiteFileLock):
        if not lock.path.exists():
            return "none"
        with open(lock.path, encoding="utf-8") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = Holder.from_json(handle.read())
                return holder.describe() if holder else "an unknown process"
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return "none"
    assert isinstance(lock, PostgresAdvisoryLock)
    with engine.connect() as connection:
        return lock.holder(connection).replace("nobody", "none")
