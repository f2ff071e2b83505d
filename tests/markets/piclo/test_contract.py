"""`biddaemon check --contract`, run as a real process against the sandbox on loopback.

A market that differs is the sandbox behind a small loopback proxy that rewrites its answers
(renames a field, sends an enum value we do not know), as a changed Piclo API would.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from biddaemon.clock import use_clock
from biddaemon.markets.piclo import BallotRequest, BidRequest, Competition, PicloClient, Rate
from biddaemon.markets.piclo.contract import (
    FORMAT,
    MISSING,
    NEVER_SEEN,
    TYPE,
    UNKNOWN_ENUM,
    differences,
)
from biddaemon.markets.piclo.models import RateType
from biddaemon.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_PROVIDER_ID,
    SandboxConfig,
    SandboxServer,
)
from biddaemon.strategy.snapshot import REQUIRED_RATES
from tests.markets.piclo.support import fixture_doc

pytestmark = pytest.mark.slow

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))
START = datetime(2027, 1, 5, 10, tzinfo=UTC)
Rewrite = Callable[[str, Any], Any]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(start=START, speed=0, seed=11, page_size=4)) as running:
        use_clock(running.clock.now)
        try:
            _submit_one_ballot(running)
        finally:
            use_clock(None)
        yield running


def _submit_one_ballot(sandbox: SandboxServer) -> None:
    """A ballot on the first opportunity, so that the ballots listing has one to compare."""
    with PicloClient(
        base_url=sandbox.base_url,
        client_id=DEFAULT_CLIENT_ID,
        api_key=SecretStr(DEFAULT_API_KEY),
        provider_id=DEFAULT_PROVIDER_ID,
    ) as piclo:
        first = piclo.list_bidding_opportunities()[0]
        competition = piclo.get_competition(first.competition_id)
        window = competition.windows[0]
        rates = tuple(
            Rate(type=RateType(rate_type), value=Decimal("10.00"))
            for rate_type in REQUIRED_RATES.get(competition.type, ())
        )
        bid = BidRequest(service_window_id=window.id, capacity=Decimal("0.100"), rates=rates)
        piclo.submit_ballot(
            competition.id, BallotRequest(competition_id=competition.id, bids=(bid,))
        )


class _Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the sandbox; JSON answers pass through `rewrite(path, document)`."""

    upstream = ""
    rewrite: Rewrite = staticmethod(lambda path, document: document)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization",)}
        if body is not None:
            headers["Content-Type"] = "application/json"
        answer = httpx.request(
            self.command, self.upstream + self.path, content=body, headers=headers, timeout=10
        )
        content = answer.content
        if answer.headers.get("content-type", "").startswith("application/json"):
            document = type(self).rewrite(self.path, answer.json())
            content = json.dumps(document).replace(self.upstream, self.own_url).encode()
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    @property
    def own_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy(sandbox: SandboxServer) -> Iterator[Callable[[Rewrite], str]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(rewrite: Rewrite) -> str:
        _Proxy.upstream = sandbox.base_url
        _Proxy.rewrite = staticmethod(rewrite)  # type: ignore[assignment]
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    server.shutdown()
    server.server_close()


def check(base_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BIDDAEMON_")}
    env.update(
        BIDDAEMON_PICLO__BASE_URL=base_url,
        BIDDAEMON_PICLO__CLIENT_ID=DEFAULT_CLIENT_ID,
        BIDDAEMON_PICLO__API_KEY=DEFAULT_API_KEY,
        BIDDAEMON_PICLO__PROVIDER_ID=DEFAULT_PROVIDER_ID,
        BIDDAEMON_DATABASE_URL=f"sqlite:///{cwd / 'biddaemon.db'}",
    )
    return subprocess.run(
        [BIDDAEMON, "check", "--contract", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_the_sandbox_speaks_the_contract_and_the_saved_answers_hold_no_secret(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    folder = tmp_path / "ticket"
    result = check(sandbox.base_url, "--save", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contract: no difference" in result.stdout
    for endpoint in ("login", "flex providers", "bidding opportunities", "competition"):
        assert endpoint in result.stdout
    assert "qualifying flex asset" in result.stdout
    assert re.search(r"ballots +GET /bids/v1/competitions/\w+/ballots/: 1 item", result.stdout)
    assert "results" in result.stdout
    saved = {path.name: path.read_text() for path in folder.iterdir()}
    assert "01-login.json" in saved
    assert saved["differences.txt"] == "no difference\n"
    (ballots,) = (json.loads(text) for name, text in saved.items() if "ballots" in name)
    assert len(ballots["answers"]) == 1, "the raw listing, as the market sent it"
    login = json.loads(saved["01-login.json"])
    assert login["answers"] == [{"token": "**********"}]
    for text in saved.values():
        assert DEFAULT_API_KEY not in text
        assert "eyJ" not in text  # no JWT anywhere


def test_a_renamed_field_is_named_and_exits_1(
    proxy: Callable[[Rewrite], str], tmp_path: Path
) -> None:
    def rename(path: str, document: Any) -> Any:
        if path.startswith("/competitions/v1/") and isinstance(document, dict):
            document["closes_at"] = document.pop("competition_close")
            document["status"] = "paused"
        return document

    result = check(proxy(rename), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("competition_close: field missing" in line for line in lines), result.stdout
    assert any("closes_at: a field we have never seen" in line for line in lines)
    assert any("status: an enum value we do not know ('paused'" in line for line in lines)
    assert "contract: 3 difference(s)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_folder_that_cannot_be_created_is_a_usage_error(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("")
    result = check(sandbox.base_url, "--save", str(tmp_path / "file" / "sub"), cwd=tmp_path)
    assert result.returncode == 2
    assert "--save" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_difference_of_one_answer_is_reported_at_once() -> None:
    document = fixture_doc("competition.json")
    document["need_direction"] = "sideways"
    document["competition_open"] = "yesterday"
    document["service_periods"][0]["service_windows"][0]["capacity_required"] = {"mw": 1}
    document["service_periods"][0]["colour"] = "blue"
    del document["status"]
    found = {(d.path, d.kind) for d in differences(Competition, document, "GET /c/")}
    assert found == {
        ("need_direction", UNKNOWN_ENUM),
        ("competition_open", FORMAT),
        ("service_periods[0].service_windows[0].capacity_required", TYPE),
        ("service_periods[0].colour", NEVER_SEEN),
        ("status", MISSING),
    }


def test_the_documented_competition_has_no_difference() -> None:
    assert differences(Competition, fixture_doc("competition.json"), "GET /c/") == []
