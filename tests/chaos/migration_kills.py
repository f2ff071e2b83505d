"""Kill `biddaemon db upgrade` with SIGKILL at random moments, then check the next start works.

The kill window: a no-op upgrade (already at head) measures the process's start-up cost, a full
upgrade its whole run; kills land uniformly between just before the first and just after the
second, so most of them hit the migration itself rather than Python's imports. After each kill
the same command runs again and must bring the database to head with exactly the schema the
models describe.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import Base

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
            f"{self.scenario}: {self.kills} kills in {self.window[0]:.2f}-{self.window[1]:.2f} s "
            f"({seen}); unusable afterwards: {len(self.unusable)}"
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


def timed_upgrade(url: str) -> float:
    started = time.monotonic()
    process = upgrade_process(url)
    _, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"db upgrade failed: {err.decode()[-2000:]}")
    return time.monotonic() - started


def measure_window(folder: Path, scenario: str) -> tuple[float, float]:
    """From just before a no-op upgrade would end to just after a full upgrade ends."""
    url = prepare(folder / f"measure-{scenario}.db", scenario)
    full = timed_upgrade(url)
    noop = timed_upgrade(url)
    return noop * 0.8, max(full, noop) * 1.2


def state_of(url: str) -> str:
    if not Path(url.removeprefix("sqlite:///")).exists():
        return "killed before opening the database"
    engine = make_engine(url)
    try:
        revision = migrate.current_revision(engine)
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    if revision == migrate.head_revision():
        return "killed after commit"
    if revision is None and not tables:
        return "killed after opening, nothing committed"
    if revision is None or revision == first_revision():
        return f"killed mid-migration ({len(tables)} tables, revision {revision})"
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
    window = measure_window(folder, scenario)
    report = KillReport(scenario=scenario, window=window)
    chance = random.Random(seed)
    for number in range(kills):
        url = prepare(folder / f"{scenario}-{number}.db", scenario)
        process = upgrade_process(url)
        time.sleep(chance.uniform(*window))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            outcome = state_of(url)
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
