"""Issue 16 case 7: a passing fault of the market is passing. A truncated answer to a read is
retried; refused logins halt market work (and fail /healthz) only until the market accepts them
again, without a restart. Over real HTTP against the sandbox on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from biddaemon.cli import main
from biddaemon.daemon import runner, service
from biddaemon.daemon.health import HealthState, evaluate
from biddaemon.errors import CredentialsRefused
from biddaemon.sandbox import FaultSpec, SandboxServer
from biddaemon.sandbox.auth import Credentials
from biddaemon.settings import load_settings
from biddaemon.store.models import JobRun, JobStatus
from tests.daemon.conftest import START, DaemonFactory, market_env


def logins(market: SandboxServer) -> list[int]:
    """The status of every login the market received, in order."""
    return [r.status for r in market.traffic.records() if r.operation == "authtoken"]


def calls(market: SandboxServer, operation: str) -> int:
    return sum(1 for r in market.traffic.records() if r.operation == operation)


@pytest.fixture
def refuse_logins(market: SandboxServer) -> Iterator[Callable[[bool], None]]:
    """`refuse_logins(True)`: the market refuses our (unchanged) credentials until told False."""
    tokens = market.sandbox.tokens
    real: Credentials = tokens._credentials

    def refuse(on: bool) -> None:
        tokens._credentials = (
            Credentials(real.client_id, "another-key", real.provider_id) if on else real
        )

    yield refuse
    tokens._credentials = real


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_truncated_login_answer_and_opportunities_list_are_retried_and_the_cycle_succeeds(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    market.faults.add(FaultSpec(kind="malformed", endpoint="authtoken", count=1))
    market.faults.add(FaultSpec(kind="malformed", endpoint="list_bidding_opportunities", count=1))
    daemon = make_daemon()
    report = daemon.opportunities()
    assert report["skipped"] == {}
    assert report["submitted"] > 0
    assert logins(market) == [200, 200]  # the first answer was cut off, so it was asked again
    assert market.faults.active() == []  # both truncated answers were served, and mended


def test_a_truncated_answer_to_a_ballot_post_is_not_resent(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    market.faults.add(FaultSpec(kind="malformed", endpoint="submit_ballot", count=1))
    daemon = make_daemon()
    report = daemon.opportunities()
    assert len(report["unknown"]) == 1  # the write may have landed: reconcile, never resend
    assert calls(market, "submit_ballot") == report["submitted"] + 1


def test_refused_logins_halt_market_work_and_health_until_a_login_is_accepted_again(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    refuse_logins: Callable[[bool], None],
) -> None:
    refuse_logins(True)
    daemon = make_daemon()
    daemon.login_retry_first_seconds = 0.2
    with pytest.raises(CredentialsRefused):
        daemon.opportunities()
    state = HealthState(started_at=START, max_age={}, role="active", halted=lambda: daemon.halted)
    healthy, body = evaluate(state)
    assert not healthy
    assert "market work halted" in body["reasons"][0]
    assert daemon.retry_login() is False  # not due yet: the market is not asked
    assert logins(market) == [401]

    time.sleep(0.25)
    assert daemon.retry_login() is False
    assert logins(market) == [401, 401]
    time.sleep(0.25)
    assert daemon.retry_login() is False  # the wait doubled (0.4 s): still not due
    assert logins(market) == [401, 401]

    refuse_logins(False)
    assert wait_for(daemon.retry_login, timeout=2.0)
    assert daemon.halted is None
    assert evaluate(state)[0]
    report = daemon.opportunities()
    assert report["submitted"] > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_run_resumes_by_itself_after_two_refused_logins(
    market: SandboxServer,
    engine: Engine,
    sqlite_url: str,
    refuse_logins: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _free_port()
    env = {
        **market_env(market.base_url),
        "BIDDAEMON_DATABASE_URL": sqlite_url,
        "BIDDAEMON_HEALTH__PORT": str(port),
        "BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS": "3600",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(service, "LOGIN_RETRY_FIRST_SECONDS", 0.3)
    refuse_logins(True)
    stop = threading.Event()
    exit_codes: list[int] = []
    thread = threading.Thread(
        target=lambda: exit_codes.append(runner.run_daemon(load_settings(), stop=stop)),
        daemon=True,
    )
    thread.start()
    try:
        assert wait_for(lambda: logins(market).count(401) >= 2), logins(market)
        status, body = _healthz(port)
        assert status == 503
        assert any("market work halted" in reason for reason in body["reasons"])

        refuse_logins(False)

        def succeeded() -> bool:
            with Session(engine) as session:
                runs = session.scalars(select(JobRun).where(JobRun.job == "opportunities"))
                return any(run.status is JobStatus.SUCCEEDED for run in runs)

        assert wait_for(succeeded), "market work did not resume"
        assert _healthz(port)[0] == 200
        assert logins(market)[-1] == 200
    finally:
        stop.set()
        thread.join(timeout=20)
    assert exit_codes == [0]


def test_once_still_exits_1_when_the_login_is_refused(
    market: SandboxServer,
    engine: Engine,
    sqlite_url: str,
    refuse_logins: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {**market_env(market.base_url), "BIDDAEMON_DATABASE_URL": sqlite_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    refuse_logins(True)
    assert main(["once", "--job", "opportunities"]) == 1
    assert logins(market) == [401]  # once does not wait for a retry


def test_the_login_backoff_keeps_growing_until_a_job_succeeds_again(
    make_daemon: DaemonFactory, market: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    daemon = make_daemon()
    daemon.login_retry_first_seconds = 0.1
    daemon.halt_for_login(CredentialsRefused("refused"))
    assert daemon.login_delay_seconds == 0.1
    time.sleep(0.12)
    assert daemon.retry_login()  # the login is accepted...
    daemon.halt_for_login(CredentialsRefused("a fresh token refused"))  # ...but not its token
    assert daemon.login_delay_seconds == 0.2  # so the wait grows, it does not start over
    time.sleep(0.22)
    assert daemon.retry_login()
    assert daemon.opportunities()["submitted"] > 0
    assert daemon.login_delay_seconds == 0
