"""`biddaemon sandbox` from the command line: a real process serving the market."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from biddaemon.cli import main
from biddaemon.sandbox import SandboxServer
from biddaemon.sandbox.wire import parse_timestamp

from .conftest import FIXTURE_MARKET

BIDDAEMON = Path(sys.executable).parent / "biddaemon"


@pytest.fixture
def sandbox_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [str(BIDDAEMON), "sandbox", "--speed", "600", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+) ", banner)
        assert match, f"no banner: {banner!r}"
        yield process, match.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


@pytest.mark.slow
def test_the_sandbox_command_serves_the_market_at_600x(
    sandbox_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = sandbox_process
    with httpx.Client(base_url=base_url, timeout=5, verify=False) as client:
        token = client.post(
            "/authtoken/v1/", json={"client_id": "sandbox-client", "api_key": "sandbox-api-key"}
        ).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        opportunities = client.get("/bidding-opportunities/v1/").json()
        listed = opportunities["results"] if isinstance(opportunities, dict) else opportunities
        assert listed
        assert all(o["assets"]["flex"] or o["assets"]["planned"] for o in listed)

        started = time.monotonic()  # both clock reads happen inside [started, started+elapsed]
        before = client.get("/_sandbox/clock").json()
        time.sleep(0.2)
        after = client.get("/_sandbox/clock").json()
        elapsed = time.monotonic() - started
        assert before["speed"] == after["speed"] == 600.0
        simulated = (parse_timestamp(after["now"]) - parse_timestamp(before["now"])).total_seconds()
        assert 600 * 0.2 - 1 <= simulated <= 600 * elapsed + 1
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert process.wait(timeout=10) == -signal.SIGTERM
    assert process.stderr is not None
    assert "Finished server process" in process.stderr.read()


def test_every_option_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[SandboxServer] = []
    monkeypatch.setattr(SandboxServer, "run", lambda server, **_options: served.append(server))
    arguments = [
        "sandbox",
        "--port",
        "0",
        "--speed",
        "0",
        "--seed",
        "5",
        "--scenario",
        str(FIXTURE_MARKET),
        "--fault",
        "error:list_flex_providers,status=502,count=1",
        "--fault",
        "drop",
        "--client-id",
        "bot",
        "--api-key",
        "key",
        "--provider-id",
        "acme",
        "--token-lifetime",
        "120",
        "--page-size",
        "3",
        "--start",
        "2027-02-01T00:00:00Z",
    ]
    assert main(arguments) == 0
    (server,) = served
    config = server.config
    assert (config.port, config.speed, config.seed, config.scenario) == (0, 0, 5, FIXTURE_MARKET)
    assert [f.kind for f in config.faults] == ["error", "drop"]
    assert config.faults[0].status == 502
    assert (config.client_id, config.api_key, config.provider_id) == ("bot", "key", "acme")
    assert (config.token_lifetime_seconds, config.page_size) == (120, 3)
    assert server.sandbox.clock.now().isoformat() == "2027-02-01T00:00:00+00:00"
    banner = capsys.readouterr().out
    assert f"listening on {server.base_url} " in banner
    assert "seed 5, speed 0x, simulated time 2027-02-01T00:00:00Z" in banner
    server.stop()


def test_a_non_loopback_host_is_refused_without_allow_remote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sandbox", "--host", "0.0.0.0"]) == 2
    assert "not a loopback address" in capsys.readouterr().err


def test_a_bad_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--fault", "explode"]) == 2
    assert "invalid fault 'explode'" in capsys.readouterr().err


def test_the_help_names_the_default_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    for default in ("sandbox-client", "sandbox-api-key", "sandbox-provider", "8765", "127.0.0.1"):
        assert default in shown


def test_a_port_in_use_is_a_usage_error_that_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert f"127.0.0.1:{port} is already in use" in message
