"""`make chaos`: kill -9 a real `biddaemon run` at random moments, then audit market and database.

Not a test (pytest does not collect it); a script that prints counts and exits 1 if any is not 0:

    .venv/bin/python -m tests.chaos.run_chaos [--kills 100] [--database sqlite|postgres]
    .venv/bin/python -m tests.chaos.run_chaos --migration-kills [--fresh 50] [--upgrades 20]

The sandbox market runs in this process on 127.0.0.1 at real speed (the daemon, another process,
reads the wall clock). Its ballot POST is slowed (latency) and sometimes answered ambiguously,
so many kills land while a ballot is SUBMITTING. Kills come in epochs: each epoch is a fresh
database and a freshly seeded market, `--kills-per-epoch` kills of `biddaemon run`, then the
faults are cleared, held requests are given time to land, and clean `biddaemon once` runs
reconcile until nothing is in doubt (or `--settle-seconds` pass). Then, per epoch:

- lost: a ballot the market holds whose id the database does not know;
- duplicate: a ballot whose content the market already held for that competition, or a second
  active ballot for one competition;
- invalid: a ballot POST the market refused (400/422);
- stuck: a ballot still SUBMITTING or UNKNOWN after the settling runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from biddaemon.sandbox import FaultSpec, SandboxConfig, SandboxServer
from biddaemon.sandbox.clock import real_now
from biddaemon.store.models import Ballot, BallotState
from tests.chaos.migration_kills import BIDDAEMON, FRESH, UPGRADE, kill_loop
from tests.daemon.conftest import market_env

IN_DOUBT = (BallotState.SUBMITTING, BallotState.UNKNOWN)
REFUSED = (400, 422)
POSTGRES_ADMIN = os.environ.get(
    "BIDDAEMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Tally:
    kills: int = 0
    kill_moments: Counter[str] = field(default_factory=Counter)
    market_ballots: int = 0
    database_ballots: int = 0
    lost: int = 0
    duplicate: int = 0
    invalid: int = 0
    stuck: int = 0
    failed_final_starts: int = 0
    notes: list[str] = field(default_factory=list)

    def bad(self) -> int:
        return self.lost + self.duplicate + self.invalid + self.stuck + self.failed_final_starts


class Database:
    """A fresh database per epoch: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, kind: str, folder: Path, epoch: int) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / f'epoch-{epoch}.db'}"
            self._name = ""
        else:
            self._name = f"biddaemon_chaos_{uuid.uuid4().hex[:10]}"
            with create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'CREATE DATABASE "{self._name}"'))
            self.url = (
                make_url(POSTGRES_ADMIN)
                .set(database=self._name)
                .render_as_string(hide_password=False)
            )

    def ballots(self) -> list[tuple[str | None, BallotState, str]]:
        engine = create_engine(self.url)
        try:
            with Session(engine) as session:
                rows = session.execute(
                    select(Ballot.market_ballot_id, Ballot.state, Ballot.competition_id)
                ).all()
        except Exception:  # no schema yet: the daemon was killed before migrating
            rows = []
        finally:
            engine.dispose()
        return [(r[0], r[1], r[2]) for r in rows]

    def drop(self) -> None:
        if self.kind == "postgres":
            with create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))


def environment(market: SandboxServer, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BIDDAEMON_", "NOTIFY_SOCKET", "WATCHDOG_"))
    }
    env.update(market_env(market.base_url))
    env.update(
        {
            "BIDDAEMON_DATABASE_URL": database_url,
            "BIDDAEMON_AUTO_MIGRATE": "true",
            "BIDDAEMON_HEALTH__PORT": "0",
            "BIDDAEMON_LOG_FORMAT": "json",
            "BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS": "30",
        }
    )
    return env


def faults(market: SandboxServer, chance: random.Random) -> None:
    market.faults.clear()
    market.faults.add(
        FaultSpec(kind="latency", endpoint="submit_ballot", seconds=chance.uniform(0.5, 2.0))
    )
    market.faults.add(FaultSpec(kind="ambiguous_ballot", rate=0.15, then="drop"))
    market.faults.add(FaultSpec(kind="ambiguous_ballot", rate=0.1, then="error"))


def kill_once(
    market: SandboxServer, database: Database, env: dict[str, str], chance: random.Random
) -> str:
    """Start `biddaemon run`, kill it at a random moment (half the time mid-POST)."""
    process = subprocess.Popen(
        [BIDDAEMON, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        aim_mid_post = chance.random() < 0.5
        deadline = time.monotonic() + (30.0 if aim_mid_post else chance.uniform(0.0, 8.0))
        moment = "at a random moment"
        while time.monotonic() < deadline and process.poll() is None:
            if aim_mid_post and any(s is BallotState.SUBMITTING for _, s, _ in database.ballots()):
                time.sleep(chance.uniform(0.0, 0.3))  # the POST is held 0.5-2 s
                break
            time.sleep(0.05)
        if process.poll() is not None:
            return f"exited {process.returncode} before the kill"
        if any(s is BallotState.SUBMITTING for _, s, _ in database.ballots()):
            moment = "mid-POST (a ballot SUBMITTING)"
        os.kill(process.pid, signal.SIGKILL)
        return moment
    finally:
        process.wait(timeout=30)


def settle(market: SandboxServer, database: Database, env: dict[str, str], seconds: float) -> int:
    """Clean `once` runs until nothing is in doubt; returns how many final starts failed."""
    market.faults.clear()
    time.sleep(2.5)  # the longest held POST lands (or not) before anyone looks
    failed = 0
    deadline = time.monotonic() + seconds
    while True:
        result = subprocess.run(
            [BIDDAEMON, "once", "--job", "opportunities"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if result.returncode != 0:
            failed += 1
            print(f"  final start exited {result.returncode}: {result.stderr.strip()[-300:]}")
        in_doubt = [b for b in database.ballots() if b[1] in IN_DOUBT]
        if (not in_doubt and result.returncode == 0) or time.monotonic() > deadline:
            return failed if result.returncode != 0 else 0
        time.sleep(3)


def content(ballot: Any) -> str:
    """What the ballot asks for, without its ids: the same content twice is a duplicate."""
    bids = sorted(
        (b.service_window_id, str(b.capacity), str(b.max_runtime), repr(b.rates))
        for b in ballot.bids
    )
    assets = (sorted(ballot.assets.flex), sorted(ballot.assets.planned))
    return json.dumps([ballot.competition_id, assets, bids])


def audit(market: SandboxServer, database: Database, tally: Tally) -> None:
    on_market = market.market.all_ballots()
    rows = database.ballots()
    known = {market_id for market_id, _, _ in rows if market_id}
    tally.market_ballots += len(on_market)
    tally.database_ballots += len(rows)
    lost = [s.ballot.id for s in on_market if s.ballot.id not in known]
    seen: Counter[str] = Counter(content(s.ballot) for s in on_market)
    active: Counter[str] = Counter(s.ballot.competition_id for s in on_market if s.active)
    duplicate = sum(n - 1 for n in seen.values()) + sum(n - 1 for n in active.values())
    stuck = [r for r in rows if r[1] in IN_DOUBT]
    invalid = [
        e
        for e in market.traffic.records()
        if e.operation == "submit_ballot" and e.status in REFUSED
    ]
    tally.lost += len(lost)
    tally.duplicate += duplicate
    tally.stuck += len(stuck)
    tally.invalid += len(invalid)
    if lost:
        tally.notes.append(f"lost: {lost[:5]}")
    if duplicate:
        tally.notes.append(f"duplicate: {[k for k, n in seen.items() if n > 1][:2]}")
    if stuck:
        tally.notes.append(f"stuck: {[(r[2], r[1].value) for r in stuck][:5]}")


def daemon_chaos(args: argparse.Namespace) -> int:
    chance = random.Random(args.seed)
    tally = Tally()
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="biddaemon-chaos-"))
    with SandboxServer(SandboxConfig(speed=1, seed=args.seed)) as market:
        # A killed client's half-sent POST is expected here: no traceback for it (set after
        # the server starts, which sets uvicorn's levels).
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        epoch = 0
        while tally.kills < args.kills and time.monotonic() - started < args.max_seconds:
            epoch += 1
            market.sandbox.reset(seed=args.seed + epoch, start=real_now())
            database = Database(args.database, folder, epoch)
            env = environment(market, database.url)
            try:
                for _ in range(min(args.kills_per_epoch, args.kills - tally.kills)):
                    faults(market, chance)
                    moment = kill_once(market, database, env, chance)
                    tally.kills += 1
                    tally.kill_moments[moment] += 1
                tally.failed_final_starts += settle(market, database, env, args.settle_seconds)
                before = tally.bad()
                audit(market, database, tally)
                print(
                    f"epoch {epoch}: {tally.kills}/{args.kills} kills, "
                    f"{len(market.market.all_ballots())} ballots on the market, "
                    f"{tally.bad() - before} problems",
                    flush=True,
                )
            finally:
                database.drop()
    elapsed = time.monotonic() - started
    print(f"\nchaos on {args.database}: {tally.kills} kills in {elapsed:.0f} s, {epoch} epochs")
    for moment, count in sorted(tally.kill_moments.items()):
        print(f"  killed {moment}: {count}")
    print(f"ballots on the market: {tally.market_ballots}, in the db: {tally.database_ballots}")
    print(f"lost: {tally.lost}")
    print(f"duplicate: {tally.duplicate}")
    print(f"invalid: {tally.invalid}")
    print(f"stuck: {tally.stuck}")
    print(f"final starts that failed: {tally.failed_final_starts}")
    for note in tally.notes:
        print(f"  {note}")
    return 1 if tally.bad() else 0


def migration_chaos(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="biddaemon-migration-chaos-"))
    unusable = 0
    for scenario, kills in ((FRESH, args.fresh), (UPGRADE, args.upgrades)):
        report = kill_loop(folder / scenario, scenario, kills, seed=args.seed)
        print(report.line(), flush=True)
        for problem in report.unusable:
            print(f"  {problem}")
        unusable += len(report.unusable)
    print(f"databases unusable after a kill: {unusable}")
    return 1 if unusable else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--kills-per-epoch", type=int, default=10)
    parser.add_argument("--settle-seconds", type=float, default=90.0)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--migration-kills", action="store_true")
    parser.add_argument("--fresh", type=int, default=50)
    parser.add_argument("--upgrades", type=int, default=20)
    args = parser.parse_args(argv)
    return migration_chaos(args) if args.migration_kills else daemon_chaos(args)


if __name__ == "__main__":
    sys.exit(main())
