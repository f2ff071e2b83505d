"""The in-process runner: a real uvicorn on a free loopback port, started fast, stopped cleanly."""

from __future__ import annotations

import time

import httpx
import pytest

from biddaemon.sandbox import SandboxConfig, SandboxServer

from .conftest import ANYONE, START


def test_a_server_starts_in_well_under_a_second_on_a_free_port() -> None:
    started = time.monotonic()
    server = SandboxServer(SandboxConfig(start=START, speed=0)).start()
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 1.0  # typically 0.05-0.1 s
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert ANYONE.get(f"{server.base_url}/_sandbox/clock").status_code == 200
    finally:
        server.stop()


def test_the_context_manager_stops_the_server() -> None:
    with SandboxServer(SandboxConfig(start=START, speed=0)) as server:
        url = f"{server.base_url}/_sandbox/clock"
        assert ANYONE.get(url).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=1)


def test_two_servers_run_side_by_side_with_their_own_markets() -> None:
    config = SandboxConfig(start=START, speed=0)
    with SandboxServer(config) as one, SandboxServer(config) as two:
        assert one.port != two.port
        one.clock.advance(60)
        assert ANYONE.get(f"{two.base_url}/_sandbox/clock").json()["now"] == "2027-01-05T10:00:00Z"
        assert ANYONE.get(f"{one.base_url}/_sandbox/clock").json()["now"] == "2027-01-05T10:01:00Z"


def test_tests_reach_the_market_state_directly(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    asset = sandbox.market.fleet().flex[0]
    assert client.get(f"/assets/v1/{asset.id}/").json()["ref"] == asset.ref
    assert sandbox.traffic.records()[-1].path == f"/assets/v1/{asset.id}/"
    assert sandbox.faults.active() == []


def test_a_server_cannot_be_started_twice() -> None:
    with (
        SandboxServer(SandboxConfig(start=START, speed=0)) as server,
        pytest.raises(RuntimeError, match="already running"),
    ):
        server.start()


def test_a_taken_port_is_an_error() -> None:
    with SandboxServer(SandboxConfig(start=START, speed=0)) as first:
        taken = SandboxServer(SandboxConfig(start=START, speed=0, port=first.port))
        with pytest.raises(OSError, match="in use"):
            taken.start()
