"""Kill `biddaemon db upgrade` with SIGKILL at random moments, then check the next start works.

Where the kills land: a first run measures how long the process takes to open the database and
how long it then takes to commit the migration. Four kills in five wait until the database is opened
(its WAL file appears) and then a random time within that span, so they hit the migration
itself, not Python's imports, however busy the machine; the rest land anywhere. After each kill
the same command runs again and must bring the database to head with exactly the schema the
models describe.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import Base
from biddaemon.store.repair import find_leftovers

# Another build's executable may be named, to show what it does under the same kills.
BIDDAEMON = os.environ.get("CHAOS_BIDDAEMON") or str(Path(sys.executable).with_name("biddaemon"))
FRESH = "fresh"
UPGRADE = "upgrade"


@dataclass
class KillReport:
    """What the kills did and whether every database was usable afterwards."""

    scenario: str
    window: tuple[float, float]
    kills: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    unusable: list[str] = field(default_factory=list)

    def line(self) -> str:
        seen = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return (
            f"{self.scenario}: {self.kills} kills (database opened after {self.window[0]:.2f} s, "
            f"migration committed {self.window[1]:.2f} s later; {seen}); unusable afterwards: "
            f"{len(self.unusable)}"
        )


def environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDDAEMON_")}
    env.update({"BIDDAEMON_DATABASE_URL": database_url, "BIDDAEMON_LOG_FORMAT": "json"})
    return env


def first_revision() -> str:
    revisions = list(migrate.script_directory().walk_revisions("base", "heads"))
    return revisions[-1].revision


def prepare(path: Path, scenario: str) -> str:
    """A database for one kill: a new file, or one at the first revision for an upgrade."""
    url = f"sqlite:///{path}"
    if scenario == UPGRADE:
        engine = make_engine(url)
        migrate.upgrade(engine, first_revision())
        engine.dispose()
    return url


def upgrade_process(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [BIDDAEMON, "db", "upgrade"],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wal_of(url: str) -> Path:
    path = Path(url.removeprefix("sqlite:///"))
    return path.with_name(path.name + "-wal")


def wait_for_open(process: subprocess.Popen[bytes], url: str, limit: float) -> float | None:
    """Seconds until the process opens the database (its WAL appears); None if it never does."""
    started = time.monotonic()
    wal = wal_of(url)
    while time.monotonic() - started < limit:
        if wal.exists():
            return time.monotonic() - started
        if process.poll() is not None:
            return None
        time.sleep(0.001)
    return None


def at_head(url: str) -> bool:
    """Whether the migration has committed, read as another process would (read-only)."""
    path = url.removeprefix("sqlite:///")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.01)) as db:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == migrate.head_revision()


def measure_window(folder: Path, scenario: str) -> tuple[float, float]:
    """(seconds from start until the database is opened, seconds from then until the commit).

    Measured, not assumed, since both grow when the machine is busy; the loop aims its kills
    at the second part, where the migration runs, by watching for the database to be opened.
    """
    url = prepare(folder / f"measure-{scenario}.db", scenario)
    started = time.monotonic()
    process = upgrade_process(url)
    opened = wait_for_open(process, url, limit=120) or 0.0
    while not at_head(url) and process.poll() is None:
        time.sleep(0.002)
    committed = time.monotonic() - started - opened
    _, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"db upgrade failed: {err.decode()[-2000:]}")
    return opened, committed


def state_of(url: str, scenario: str) -> str:
    """What a kill left, before the next start touches it."""
    if not Path(url.removeprefix("sqlite:///")).exists():
        return "killed before opening the database"
    engine = make_engine(url)
    try:
        revision = migrate.current_revision(engine)
        leftovers = find_leftovers(engine).describe()
    finally:
        engine.dispose()
    if revision == migrate.head_revision():
        return "killed after commit"
    if leftovers:
        return f"half-applied (revision {revision} and {', '.join(leftovers[:3])})"
    if revision == (first_revision() if scenario == UPGRADE else None):
        return "killed after opening, nothing committed"
    return f"killed between revisions (at {revision})"


def usable(url: str) -> str | None:
    """None when the next start succeeds and leaves exactly the models' schema; else why not."""
    result = subprocess.run(
        [BIDDAEMON, "db", "upgrade"],
        env=environment(url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        return f"next start exited {result.returncode}: {result.stderr.strip()[-500:]}"
    engine = make_engine(url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            return "not at head after the next start"
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    finally:
        engine.dispose()
    if differences:
        return f"schema differs from the models: {differences[:3]}"
    if integrity != "ok":
        return f"integrity check: {integrity}"
    return None


def kill_loop(
    folder: Path,
    scenario: str,
    kills: int,
    *,
    seed: int = 16,
    progress: Callable[[str], None] | None = None,
) -> KillReport:
    """`kills` upgrades killed at random moments in the measured window, each then restarted."""
    folder.mkdir(parents=True, exist_ok=True)
    before_open, migrating = measure_window(folder, scenario)
    report = KillReport(scenario=scenario, window=(before_open, migrating))
    chance = random.Random(seed)
    for number in range(kills):
        url = prepare(folder / f"{scenario}-{number}.db", scenario)
        process = upgrade_process(url)
        if chance.random() < 0.2:  # anywhere, start-up included
            time.sleep(chance.uniform(0, (before_open + migrating) * 1.2))
        elif wait_for_open(process, url, limit=120) is not None:
            time.sleep(chance.uniform(0, migrating * 1.2))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            outcome = state_of(url, scenario)
        else:
            outcome = "finished before the kill"
        report.kills += 1
        report.outcomes[outcome] += 1
        problem = usable(url)
        if problem is not None:
            report.unusable.append(f"kill {number} ({outcome}): {problem}")
        if progress is not None:
            progress(f"{scenario} kill {number + 1}/{kills}: {outcome}, {problem or 'usable'}")
    return report
