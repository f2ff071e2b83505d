"""Quiet, useful logs: one line per retry, no scheduler internals, no sandbox access log."""

from __future__ import annotations

import io
import json
import logging
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import stamina
from apscheduler.triggers.date import DateTrigger
from pydantic import SecretStr
from structlog.testing import capture_logs

from biddaemon.logs import configure_logging
from biddaemon.markets.piclo import PicloClient
from biddaemon.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_PROVIDER_ID,
    FaultSpec,
    SandboxConfig,
    SandboxServer,
)
from biddaemon.scheduler import ScheduledJob, build_scheduler

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))
START = datetime(2027, 1, 5, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(start=START, speed=0, seed=3)) as running:
        yield running


@pytest.fixture
def client(server: SandboxServer) -> Iterator[PicloClient]:
    server.sandbox.restore()
    with (
        stamina.set_testing(True, attempts=1000, cap=True),
        PicloClient(
            base_url=server.base_url,
            client_id=DEFAULT_CLIENT_ID,
            api_key=SecretStr(DEFAULT_API_KEY),
            provider_id=DEFAULT_PROVIDER_ID,
        ) as piclo,
    ):
        yield piclo
    server.faults.clear()


def test_one_retry_is_one_log_line_with_what_attempt_wait_and_reason(
    server: SandboxServer, client: PicloClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.authenticate()
    server.faults.add(FaultSpec(kind="error", endpoint="list_flex_providers", count=1))
    with capture_logs() as logs, caplog.at_level(logging.DEBUG):
        (provider,) = client.list_flex_providers()
    assert provider.id == DEFAULT_PROVIDER_ID
    retries = [e for e in logs if "retr" in str(e["event"]).lower()]
    assert len(retries) == 1, retries
    (retry,) = retries
    assert retry["event"] == "market call will be retried"
    assert retry["call"] == f"GET {server.base_url}/flex-providers/v1/"
    assert retry["attempt"] == 1
    assert retry["reason"] == "503 Service Unavailable"
    assert retry["wait"] == "backoff"
    assert retry["scheduled_seconds"] == 0  # stamina's test mode: no waiting
    assert not [r for r in caplog.records if r.name.startswith("stamina")]


def test_a_retry_after_is_logged_as_the_wait_the_market_asked_for(
    server: SandboxServer, client: PicloClient
) -> None:
    client.authenticate()
    server.faults.add(
        FaultSpec(kind="rate_limit", endpoint="list_flex_providers", count=1, seconds=3)
    )
    with capture_logs() as logs:
        client.list_flex_providers()
    retries = [e for e in logs if "retr" in str(e["event"]).lower()]
    assert [(e["attempt"], e["wait"], e["wait_seconds"]) for e in retries] == [
        (1, "as the market asked", 3.0)
    ]


def test_the_scheduler_logs_no_internals_at_info() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    ran = threading.Event()
    job = ScheduledJob(
        name="probe",
        func=ran.set,
        trigger=DateTrigger(datetime.now(UTC) + timedelta(milliseconds=50)),
        misfire_grace_time=60,
    )
    scheduler = build_scheduler([job])
    try:
        scheduler.start()
        assert ran.wait(10)
        # A one-off job is removed by the scheduler's own thread after it ran; shutting down
        # before that makes the thread look up a job the shutdown already removed.
        deadline = time.monotonic() + 10
        while scheduler.get_job("probe") is not None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        scheduler.shutdown(wait=True)
    logging.getLogger("biddaemon.test").info("after the scheduler")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["after the scheduler"]
    logging.getLogger("apscheduler").warning("a misfire, say")
    assert "a misfire, say" in stream.getvalue()


def sandbox_output(*flags: str) -> str:
    """Start `biddaemon sandbox`, make two requests, stop it; everything it printed."""
    process = subprocess.Popen(
        [BIDDAEMON, "sandbox", "--port", "0", "--speed", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"listening on (\S+) ", banner)
        assert match, banner
        httpx.get(f"{match.group(1)}/flex-providers/v1/", timeout=10)
        httpx.get(f"{match.group(1)}/openapi.json", timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    return banner + rest


@pytest.mark.slow
def test_the_sandbox_logs_no_request_unless_asked() -> None:
    quiet = sandbox_output()
    assert "GET /" not in quiet
    assert "listening on" in quiet
    loud = sandbox_output("--access-log")
    assert '"GET /flex-providers/v1/ HTTP/1.1" 401' in loud
    assert '"GET /openapi.json HTTP/1.1" 200' in loud
