"""One active instance per database, shown with real processes holding real locks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import IO

import pytest

from tests.daemon.conftest import wait_until

HOLD = textwrap.dedent(
    """
    import sys, threading, time
    from biddaemon.daemon.instance import lock_for
    from biddaemon.logs import configure_logging
    from biddaemon.store.database import make_engine
    configure_logging(fmt="json")
    lock = lock_for(make_engine(sys.argv[1]))
    wait = sys.argv[2] == "wait"
    try:
        lock.acquire(wait=wait, stop=threading.Event())
    except Exception as exc:
        print("REFUSED", exc, flush=True)
        sys.exit(2)
    print("ACTIVE", flush=True)
    while True:
        lock.ensure_held()
        time.sleep(0.2)
    """
)


def start(url: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, url, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Pipe:
    """What a process has written to one of its pipes so far, read without blocking."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        os.set_blocking(stream.fileno(), False)
        self.stream = stream
        self.text = ""

    def read(self) -> str:
        while chunk := self.stream.readline():
            self.text += chunk
        return self.text


def first_line(process: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """The first line the process prints, or all it printed if it exits before a whole line."""
    out = Pipe(process.stdout)

    def line() -> tuple[str] | None:
        text = out.read()
        if "\n" in text:
            return (text.split("\n", 1)[0].strip(),)
        if process.poll() is not None:
            return ((text + (process.stdout.read() or "")).strip(),)  # type: ignore[union-attr]
        return None

    (found,) = wait_until(line, timeout, what="a line from the process")
    return found


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_sqlite_second_instance_is_refused_naming_the_holder(sqlite_url: str) -> None:
    active = start(sqlite_url, "nowait")
    try:
        assert first_line(active) == "ACTIVE"
        second = start(sqlite_url, "nowait")
        line = first_line(second)
        assert second.wait(timeout=10) == 2
        assert line.startswith("REFUSED")
        assert f"pid {active.pid}" in line
        assert ".db.lock" in line
    finally:
        stop(active)


def test_sqlite_lock_is_free_again_after_kill_9(sqlite_url: str) -> None:
    active = start(sqlite_url, "nowait")
    assert first_line(active) == "ACTIVE"
    os.kill(active.pid, signal.SIGKILL)
    active.wait(timeout=10)
    successor = start(sqlite_url, "nowait")
    try:
        assert first_line(successor) == "ACTIVE"
    finally:
        stop(successor)


def test_postgres_standby_takes_over_within_seconds_of_kill_9(postgres_url: str) -> None:
    active = start(postgres_url, "nowait")
    assert first_line(active) == "ACTIVE"
    standby = start(postgres_url, "wait")
    try:
        errors = Pipe(standby.stderr)
        wait_until(
            lambda: "standing by" in errors.read() or standby.poll() is not None,
            20,
            what="the standby waits for the lock",
        )
        assert standby.poll() is None  # still waiting, not refused
        killed_at = time.monotonic()
        os.kill(active.pid, signal.SIGKILL)
        assert first_line(standby, timeout=15) == "ACTIVE"
        assert time.monotonic() - killed_at < 10
    finally:
        stop(active)
        stop(standby)


def test_postgres_second_instance_without_waiting_is_refused(postgres_url: str) -> None:
    active = start(postgres_url, "nowait")
    try:
        assert first_line(active) == "ACTIVE"
        second = start(postgres_url, "nowait")
        line = first_line(second)
        assert second.wait(timeout=10) == 2
        assert "another biddaemon is already active" in line
        assert f"pid {active.pid}" in line
    finally:
        stop(active)


def test_the_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    from biddaemon.daemon.instance import SQLiteFileLock, lock_for
    from biddaemon.store.database import make_engine

    lock = lock_for(make_engine(f"sqlite:///{tmp_path / 'data' / 'bids.db'}"))
    assert isinstance(lock, SQLiteFileLock)
    assert lock.path == tmp_path / "data" / "bids.db.lock"
    with pytest.raises(Exception, match="not held"):
        lock.ensure_held()
