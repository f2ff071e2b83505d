"""A real sandbox market on loopback and a daemon pointed at it, sharing the sandbox's clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
import stamina
from sqlalchemy import Engine

from biddaemon.clock import use_clock
from biddaemon.daemon.service import Daemon
from biddaemon.sandbox import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, SandboxConfig, SandboxServer
from biddaemon.sandbox.defaults import DEFAULT_PROVIDER_ID
from biddaemon.settings import load_settings
from biddaemon.store import migrate
from biddaemon.store.database import make_engine

START = datetime(2027, 1, 5, 10, tzinfo=UTC)
SEED = 7
LONG_TOKENS = 10 * 365 * 24 * 3600

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float,
    *,
    what: str | Callable[[], str] = "",
    interval: float = 0.05,
) -> T:
    """Poll `predicate` until it returns something truthy, which is returned; fail after
    `timeout` seconds naming `what` (text, or a function giving it, e.g. a log's tail).
    Tests wait on a condition, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {timeout} s: {said or predicate!r}")
        time.sleep(interval)
    return value


def market_env(base_url: str) -> dict[str, str]:
    return {
        "BIDDAEMON_PICLO__BASE_URL": base_url,
        "BIDDAEMON_PICLO__CLIENT_ID": DEFAULT_CLIENT_ID,
        "BIDDAEMON_PICLO__API_KEY": DEFAULT_API_KEY,
        "BIDDAEMON_PICLO__PROVIDER_ID": DEFAULT_PROVIDER_ID,
    }


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """stamina's testing mode: every configured attempt still happens, without the waits.

    `cap=True` keeps each call's own attempt limit (at most 100), so tests that count calls
    after a failure still see every retry; only the backoff sleeps are gone.
    """
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture(scope="module")
def _market_server() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxConfig(start=START, speed=0, seed=SEED, token_lifetime_seconds=LONG_TOKENS)
    ) as server:
        yield server


@pytest.fixture
def market(_market_server: SandboxServer) -> Iterator[SandboxServer]:
    """The seeded sandbox market, frozen at START, no ballots; biddaemon reads its clock."""
    _market_server.sandbox.restore()
    use_clock(_market_server.clock.now)
    yield _market_server
    use_clock(None)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


DaemonFactory = Callable[..., Daemon]


@pytest.fixture
def make_daemon(
    market: SandboxServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DaemonFactory]:
    """Build a Daemon on the test database; keyword arguments become BIDDAEMON_ variables."""
    made: list[Daemon] = []

    def build(**variables: str) -> Daemon:
        for name, value in {**market_env(market.base_url), **variables}.items():
            monkeypatch.setenv(
                name if name.startswith("BIDDAEMON_") else f"BIDDAEMON_{name}", value
            )
        daemon = Daemon(load_settings(), engine)
        made.append(daemon)
        return daemon

    yield build
    for daemon in made:
        daemon.close()
