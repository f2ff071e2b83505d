"""`biddaemon check` run as a real process against a real HTTP server on loopback.

The server is a few Starlette routes serving the documented fixtures (not the sandbox market):
it issues a token only for the right client id and key, and answers the two reads the check
makes only with that token.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.markets.piclo.support import fixture_doc, make_jwt

pytestmark = pytest.mark.slow

CLIENT_ID = "loopback-machine-user"
API_KEY = "lk-9c1e77a0b3f24d58-secret"
PROVIDER_ID = "prov-7Hq2"
BIDDAEMON = Path(sys.executable).parent / "biddaemon"


@dataclass
class LoopbackMarket:
    base_url: str
    token: str
    logins: list[str]


def _market_app(token: str, logins: list[str]) -> Starlette:
    async def authtoken(request: Request) -> JSONResponse:
        body = await request.json()
        logins.append(str(body.get("client_id")))
        if body == {"client_id": CLIENT_ID, "api_key": API_KEY}:
            return JSONResponse({"token": token})
        return JSONResponse({"detail": "Invalid credentials."}, status_code=401)

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {token}"

    async def flex_providers(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"detail": "Invalid token."}, status_code=401)
        return JSONResponse([{"id": PROVIDER_ID, "name": "Fen Flex Ltd"}])

    async def opportunities(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"detail": "Invalid token."}, status_code=401)
        return JSONResponse(fixture_doc("bidding_opportunities.json"))

    return Starlette(
        routes=[
            Route("/authtoken/v1/", authtoken, methods=["POST"]),
            Route("/flex-providers/v1/", flex_providers),
            Route("/bidding-opportunities/v1/", opportunities),
        ]
    )


@pytest.fixture(scope="module")
def loopback_market() -> Iterator[LoopbackMarket]:
    token = make_jwt(datetime.now(UTC) + timedelta(hours=1), "loopback")
    logins: list[str] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # connections queue here until uvicorn serves: no start-up polling
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(_market_app(token, logins), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    yield LoopbackMarket(base_url=f"http://127.0.0.1:{port}", token=token, logins=logins)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def run_check(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDDAEMON_")}
    env |= {"BIDDAEMON_LOG_LEVEL": "DEBUG", "BIDDAEMON_PICLO__MAX_ATTEMPTS": "2"}
    env |= {f"BIDDAEMON_{name.upper()}": value for name, value in settings.items()}
    return subprocess.run(
        [str(BIDDAEMON), "check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def credentials(market: LoopbackMarket, **overrides: str) -> dict[str, str]:
    return {
        "piclo__base_url": market.base_url,
        "piclo__client_id": CLIENT_ID,
        "piclo__api_key": API_KEY,
        "piclo__provider_id": PROVIDER_ID,
    } | overrides


def test_check_with_wrong_credentials_exits_1_saying_so_and_prints_no_secret(
    loopback_market: LoopbackMarket, tmp_path: Path
) -> None:
    wrong_key = "lk-wrong-0123456789abcdef"
    result = run_check(tmp_path, **credentials(loopback_market, piclo__api_key=wrong_key))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "refused the login" in result.stderr
    assert "Invalid credentials." in result.stderr
    assert "BIDDAEMON_PICLO__API_KEY" in result.stderr
    for secret in (wrong_key, API_KEY, loopback_market.token):
        assert secret not in output
    assert "Bearer" not in output


def test_check_with_good_credentials_reports_provider_and_opportunities_without_secrets(
    loopback_market: LoopbackMarket, tmp_path: Path
) -> None:
    result = run_check(tmp_path, **credentials(loopback_market))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"login: ok as client {CLIENT_ID}" in result.stdout
    assert "flex provider: prov-7Hq2 (Fen Flex Ltd)" in result.stdout
    assert "bidding opportunities: 2" in result.stdout
    assert "z8mpC6x: 2 flex and 1 planned asset(s), 4.500 MW qualifying" in result.stdout
    assert API_KEY not in output
    assert loopback_market.token not in output


def test_check_with_a_provider_the_user_does_not_belong_to_is_a_configuration_error(
    loopback_market: LoopbackMarket, tmp_path: Path
) -> None:
    result = run_check(tmp_path, **credentials(loopback_market, piclo__provider_id="prov-other"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "BIDDAEMON_PICLO__PROVIDER_ID" in result.stderr
    assert "prov-7Hq2" in result.stderr


def test_check_against_an_unreachable_market_exits_1(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    result = run_check(
        tmp_path,
        piclo__base_url=f"http://127.0.0.1:{closed_port}",
        piclo__client_id=CLIENT_ID,
        piclo__api_key=API_KEY,
        piclo__provider_id=PROVIDER_ID,
        piclo__max_attempts="1",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ConnectError" in result.stderr
    assert "/authtoken/v1/" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_check_without_credentials_is_a_configuration_error_naming_them(tmp_path: Path) -> None:
    result = run_check(tmp_path, piclo__base_url="http://127.0.0.1:9")
    assert result.returncode == 2
    assert "BIDDAEMON_PICLO__CLIENT_ID" in result.stderr
    assert "BIDDAEMON_PICLO__API_KEY" in result.stderr
