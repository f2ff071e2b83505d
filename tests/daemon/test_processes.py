"""`biddaemon run` and `once` as real processes: one active instance, standby, kill -9, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from biddaemon.sandbox import FaultSpec, SandboxConfig, SandboxServer
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import Allocation, Ballot, BallotState
from tests.daemon.conftest import market_env, wait_until

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))
pytestmark = pytest.mark.slow


class Notifications:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bd-proc-"))
        self.path = self.folder / "notify"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))

    def wait_for(self, text: str, process: subprocess.Popen[bytes], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(0.25)
            try:
                message = self.sock.recv(4096).decode()
            except TimeoutError:
                if process.poll() is not None:
                    raise AssertionError(f"exited {process.returncode} before {text!r}") from None
                continue
            if text in message:
                return message
        raise AssertionError(f"no {text!r} within {timeout} s")

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)
        self.folder.rmdir()


@pytest.fixture
def live_market() -> Iterator[SandboxServer]:
    """A sandbox on real time, so a daemon in another process agrees with it about `now`."""
    with SandboxServer(SandboxConfig(speed=1, seed=11)) as server:
        yield server


def environment(market: SandboxServer, database_url: str, **extra: str) -> dict[str, str]:
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
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([BIDDAEMON, *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def finish(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_sqlite_a_second_run_exits_2_naming_the_active_one(
    live_market: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    notes = Notifications()
    log = tmp_path / "run.log"
    active = start(
        ["run"], environment(live_market, sqlite_url, NOTIFY_SOCKET=str(notes.path)), log
    )
    try:
        notes.wait_for("READY=1", active, timeout=60)
        second = subprocess.run(
            [BIDDAEMON, "run"],
            env=environment(live_market, sqlite_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stderr
        assert "another biddaemon is already active" in second.stderr
        assert f"pid {active.pid}" in second.stderr
        assert active.poll() is None, "the active instance is undisturbed"
        status = subprocess.run(
            [BIDDAEMON, "status"],
            env=environment(live_market, sqlite_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert f"active instance: pid {active.pid}" in status.stdout, status.stdout
    finally:
        finish(active)
        notes.close()


def test_postgres_standby_takes_over_within_seconds_of_kill_9(
    live_market: SandboxServer, postgres_url: str, tmp_path: Path
) -> None:
    first_notes, second_notes = Notifications(), Notifications()
    log = tmp_path / "run.log"
    active = start(
        ["run"], environment(live_market, postgres_url, NOTIFY_SOCKET=str(first_notes.path)), log
    )
    standby = None
    try:
        first_notes.wait_for("STATUS=active", active, timeout=60)
        standby = start(
            ["run"],
            environment(
                live_market,
                postgres_url,
                NOTIFY_SOCKET=str(second_notes.path),
                WATCHDOG_USEC="2000000",
            ),
            log,
        )
        assert "STATUS=standby" in second_notes.wait_for("READY=1", standby, timeout=60)
        second_notes.wait_for("WATCHDOG=1", standby, timeout=5)  # a standby pings too
        killed = time.monotonic()
        os.kill(active.pid, signal.SIGKILL)
        second_notes.wait_for("STATUS=active", standby, timeout=30)
        assert time.monotonic() - killed < 15
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{log.read_text()[-3000:]}") from None
    finally:
        finish(active, *([standby] if standby else []))
        first_notes.close()
        second_notes.close()


def test_a_process_killed_while_a_ballot_is_submitting_is_reconciled_on_restart(
    live_market: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    # The market stores the first ballot 15 s after it arrives. The ballot is SUBMITTING for
    # the 10 s write timeout (time enough to see it and kill, even on a loaded machine), and
    # the restart waits for landings until 40 s after the attempt (the timeout plus 30 s).
    live_market.faults.add(FaultSpec(kind="latency", endpoint="submit_ballot", seconds=15, count=1))
    log = tmp_path / "once.log"
    env = environment(live_market, sqlite_url, BIDDAEMON_PICLO__TIMEOUT_SECONDS="10")
    doomed = start(["once", "--job", "opportunities"], env, log)
    engine = create_engine(sqlite_url)
    try:

        def submitting_ballots() -> list[int]:
            try:
                with Session(engine) as session:
                    return list(
                        session.scalars(
                            select(Ballot.id).where(Ballot.state == BallotState.SUBMITTING)
                        )
                    )
            except Exception:  # the database is still being created
                return []

        submitting = wait_until(
            submitting_ballots, 60, what=lambda: log.read_text()[-3000:], interval=0.2
        )
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        finish(doomed)

    restarted = subprocess.run(
        [BIDDAEMON, "once", "--job", "opportunities"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    with Session(engine) as session:
        state = dict(session.execute(select(Ballot.id, Ballot.state)).all())
        competitions = set(session.scalars(select(Ballot.competition_id)))
    assert state[submitting[0]] is BallotState.SUBMITTED
    assert BallotState.SUBMITTING not in state.values()
    assert BallotState.UNKNOWN not in state.values()
    on_market = Counter(s.ballot.competition_id for s in live_market.market.all_ballots())
    assert set(on_market) == competitions
    assert set(on_market.values()) == {1}, "no competition got a duplicate ballot"


def test_sigterm_mid_cycle_exits_0_within_10_seconds(
    live_market: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    live_market.faults.add(FaultSpec(kind="latency", endpoint="get_competition", seconds=2))
    notes = Notifications()
    log = tmp_path / "run.log"
    daemon = start(
        ["run"], environment(live_market, sqlite_url, NOTIFY_SOCKET=str(notes.path)), log
    )
    try:
        notes.wait_for("READY=1", daemon, timeout=60)
        # The first opportunities cycle is now waiting on a slow market.
        wait_until(
            lambda: any(
                r.fault == "latency" and r.status is None for r in live_market.traffic.records()
            ),
            60,
            what="a request held by the latency fault",
        )
        signalled = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
        elapsed = time.monotonic() - signalled
    finally:
        finish(daemon)
        notes.close()
    assert code == 0, log.read_text()[-3000:]
    assert elapsed < 10
    assert "shutting down: no new work is started" in log.read_text()


def test_healthcheck_and_metrics_of_a_running_daemon(
    live_market: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = str(probe.getsockname()[1])
    probe.close()
    notes = Notifications()
    log = tmp_path / "run.log"
    env = environment(live_market, sqlite_url, NOTIFY_SOCKET=str(notes.path))
    env["BIDDAEMON_HEALTH__PORT"] = port
    daemon = start(["run"], env, log)
    try:
        notes.wait_for("READY=1", daemon, timeout=60)
        finished = 'biddaemon_job_runs_total{job="opportunities",status="succeeded"}'

        def metrics_after_a_cycle() -> str | None:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            return text if finished in text else None

        metrics = wait_until(metrics_after_a_cycle, 60, what=finished, interval=0.5)
        assert "biddaemon_market_request_seconds_bucket" in metrics
        assert 'route="/competitions/v1/{id}/"' in metrics
        assert 'biddaemon_ballots{state="submitted"}' in metrics
        check = subprocess.run(
            [BIDDAEMON, "healthcheck"], env=env, capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert '"role": "active"' in check.stdout
    finally:
        finish(daemon)
        notes.close()
    after = subprocess.run(
        [BIDDAEMON, "healthcheck"], env=env, capture_output=True, text=True, timeout=30
    )
    assert after.returncode == 1
    assert "unreachable" in after.stderr


# Case 6 of issue 16: the market stores a POST after the process that sent it was killed and a
# successor began reconciling. The market holds it for HOLD_SECONDS (its clock runs in real
# time here), longer than the client waits and than a takeover takes, within the landing
# horizon (timeout + 30 s).
HOLD_SECONDS = 15
LATE = {"BIDDAEMON_PICLO__TIMEOUT_SECONDS": "8"}


def held_post(market: SandboxServer) -> str | None:
    """The competition whose POST the market received and is holding (the late_ballot fault)."""
    for record in market.traffic.records():
        if record.operation == "submit_ballot" and record.fault == "late_ballot":
            return record.path.split("/")[-3]  # /bids/v1/competitions/{id}/ballots/
    return None


def assert_the_late_ballot_is_known_once(
    market: SandboxServer, engine: Engine, competition_id: str, killed_at: object
) -> None:
    """No duplicate on the market; the database knows the market's ballot, reconciled or
    adopted, and counts its MW as held; the successor listed it before it landed."""
    on_market = Counter(s.ballot.competition_id for s in market.market.all_ballots())
    assert set(on_market.values()) == {1}, f"no competition got a duplicate ballot: {on_market}"
    (landed,) = market.market.ballots(competition_id)
    reconciling = [
        r
        for r in market.traffic.records()
        if r.operation == "list_ballots"
        and competition_id in r.path
        and killed_at < r.time < landed.ballot.created  # type: ignore[operator]
    ]
    assert reconciling, "the successor read the listing before the market stored the POST"
    with Session(engine) as session:
        known = session.scalars(
            select(Ballot).where(Ballot.market_ballot_id == landed.ballot.id)
        ).one()
        assert known.state is BallotState.SUBMITTED
        assert session.scalars(select(Allocation).where(Allocation.ballot_id == known.id)).all()
        assert BallotState.UNKNOWN not in set(session.scalars(select(Ballot.state)))
        held = Ledger.load(session, market.clock.now(), timedelta(minutes=15)).held_for("other")
        assert competition_id in {c.competition_id for c in held}, "its MW are counted"


def test_sqlite_a_post_stored_after_kill_9_and_the_restart_is_found_not_sent_twice(
    live_market: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    live_market.faults.add(
        FaultSpec(kind="late_ballot", seconds=HOLD_SECONDS, count=1, then="drop")
    )
    log = tmp_path / "once.log"
    env = environment(live_market, sqlite_url, **LATE)
    engine = create_engine(sqlite_url)
    doomed = start(["once", "--job", "opportunities"], env, log)
    try:
        competition_id = wait_until(lambda: held_post(live_market), 60, what="a POST held")
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        killed_at = live_market.clock.now()
    finally:
        finish(doomed)
    assert not live_market.market.ballots(competition_id), "the market still holds the POST"

    restarted = subprocess.run(
        [BIDDAEMON, "once", "--job", "opportunities"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert_the_late_ballot_is_known_once(live_market, engine, competition_id, killed_at)
    with Session(engine) as session:
        (ours,) = session.scalars(select(Ballot).where(Ballot.competition_id == competition_id))
        assert not ours.adopted, "the ballot the killed process sent, reconciled"
        competitions = set(session.scalars(select(Ballot.competition_id)))
    assert {s.ballot.competition_id for s in live_market.market.all_ballots()} == competitions
    engine.dispose()


def test_postgres_a_post_stored_after_the_standby_took_over_is_found_not_sent_twice(
    live_market: SandboxServer, postgres_url: str, tmp_path: Path
) -> None:
    live_market.faults.add(
        FaultSpec(kind="late_ballot", seconds=HOLD_SECONDS, count=1, then="drop")
    )
    first_notes, second_notes = Notifications(), Notifications()
    log = tmp_path / "run.log"
    fast = {**LATE, "BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS": "3"}
    engine = create_engine(postgres_url)
    active = start(
        ["run"],
        environment(live_market, postgres_url, NOTIFY_SOCKET=str(first_notes.path), **fast),
        log,
    )
    standby = None
    try:
        first_notes.wait_for("STATUS=active", active, timeout=60)
        standby = start(
            ["run"],
            environment(live_market, postgres_url, NOTIFY_SOCKET=str(second_notes.path), **fast),
            log,
        )
        assert "STATUS=standby" in second_notes.wait_for("READY=1", standby, timeout=60)
        competition_id = wait_until(lambda: held_post(live_market), 60, what="a POST held")
        os.kill(active.pid, signal.SIGKILL)
        killed_at = live_market.clock.now()
        assert not live_market.market.ballots(competition_id), "the market still holds the POST"
        second_notes.wait_for("STATUS=active", standby, timeout=30)

        def settled() -> bool:
            with Session(engine) as session:
                states = set(session.scalars(select(Ballot.state)))
            landed = live_market.market.ballots(competition_id)
            return bool(landed) and not states & {BallotState.SUBMITTING, BallotState.UNKNOWN}

        wait_until(settled, 90, what="the late ballot lands and is reconciled")
        assert standby.poll() is None
        assert_the_late_ballot_is_known_once(live_market, engine, competition_id, killed_at)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{log.read_text()[-3000:]}") from None
    finally:
        finish(active, *([standby] if standby else []))
        first_notes.close()
        second_notes.close()
        engine.dispose()
