"""Sandbox fixtures: real uvicorn servers on loopback, shared per session and restored per test.

`sandbox` is the seeded, generated market (seed 7, frozen clock at START); `fixture_market` the
scenario built from the documented Piclo payloads (tests/sandbox/scenarios/fixture_market.json).
`client` / `fixture_client` are httpx clients already holding a bearer token. The clocks are
frozen: tests move time with `sandbox.clock.advance(...)` or `POST /_sandbox/clock`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from biddaemon.sandbox import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, SandboxConfig, SandboxServer

HERE = Path(__file__).parent
SCENARIOS = HERE / "scenarios"
FIXTURE_MARKET = SCENARIOS / "fixture_market.json"
PICLO_FIXTURES = HERE.parent / "fixtures" / "piclo"
START = datetime(2027, 1, 5, 10, tzinfo=UTC)
SEED = 7
# Shared servers issue tokens that outlive any clock jump a test makes; test_auth.py checks
# expiry on servers of its own.
LONG_TOKENS = 10 * 365 * 24 * 3600


def piclo_fixture(name: str) -> Any:
    return json.loads((PICLO_FIXTURES / name).read_text(encoding="utf-8"))


# For unauthenticated calls (the admin API, probes): one client, so one TLS context, for all.
# Plain http on loopback needs no TLS; skipping the CA bundle saves 30-50 ms per client.
ANYONE = httpx.Client(timeout=5.0, verify=False)


@pytest.fixture(scope="session", autouse=True)
def _close_shared_client() -> Iterator[None]:
    yield
    ANYONE.close()


def plain_client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=5.0, verify=False)


def authenticate(http: httpx.Client) -> str:
    response = http.post(
        "/authtoken/v1/", json={"client_id": DEFAULT_CLIENT_ID, "api_key": DEFAULT_API_KEY}
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return token


@contextmanager
def authenticated_client(server: SandboxServer) -> Iterator[httpx.Client]:
    with plain_client(server) as http:
        authenticate(http)
        yield http


@pytest.fixture(scope="session")
def _generated_server() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxConfig(start=START, speed=0, seed=SEED, token_lifetime_seconds=LONG_TOKENS)
    ) as server:
        yield server


@pytest.fixture(scope="session")
def _fixture_server() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxConfig(scenario=FIXTURE_MARKET, speed=0, token_lifetime_seconds=LONG_TOKENS)
    ) as server:
        yield server


@pytest.fixture
def sandbox(_generated_server: SandboxServer) -> SandboxServer:
    """The generated market, as it was configured: no ballots, no faults, clock at START."""
    _generated_server.sandbox.restore()
    return _generated_server


@pytest.fixture
def fixture_market(_fixture_server: SandboxServer) -> SandboxServer:
    """The market of fixture_market.json, as it was configured."""
    _fixture_server.sandbox.restore()
    return _fixture_server


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with authenticated_client(sandbox) as http:
        yield http


@pytest.fixture
def fixture_client(fixture_market: SandboxServer) -> Iterator[httpx.Client]:
    with authenticated_client(fixture_market) as http:
        yield http
