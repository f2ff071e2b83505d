"""Authentication: configured credentials buy a JWT whose `exp` runs on the sandbox clock; every
other market endpoint wants it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from biddaemon.sandbox import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, SandboxConfig, SandboxServer
from biddaemon.sandbox.openapi import openapi_document

from .conftest import ANYONE, START, piclo_fixture

CREDENTIALS = {"client_id": DEFAULT_CLIENT_ID, "api_key": DEFAULT_API_KEY}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """Default token lifetime (3600 s), frozen clock."""
    with SandboxServer(SandboxConfig(start=START, speed=0)) as running:
        yield running


@pytest.fixture
def market(server: SandboxServer) -> SandboxServer:
    server.sandbox.restore()
    return server


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def token(market: SandboxServer, credentials: dict[str, str] = CREDENTIALS) -> str:
    response = ANYONE.post(f"{market.base_url}/authtoken/v1/", json=credentials)
    assert response.status_code == 200, response.text
    issued: str = response.json()["token"]
    return issued


def opportunities(market: SandboxServer, bearer: str) -> httpx.Response:
    return ANYONE.get(
        f"{market.base_url}/bidding-opportunities/v1/",
        headers={"Authorization": f"Bearer {bearer}"},
    )


def test_the_default_credentials_buy_a_jwt_that_expires_in_an_hour(market: SandboxServer) -> None:
    response = ANYONE.post(f"{market.base_url}/authtoken/v1/", json=CREDENTIALS)
    assert response.json().keys() == piclo_fixture("authtoken_response.json").keys()
    issued = response.json()["token"]
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", issued)
    header = json.loads(base64.urlsafe_b64decode(issued.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims(issued)["iat"] == int(START.timestamp())
    assert claims(issued)["exp"] == int(START.timestamp()) + 3600
    assert claims(issued)["provider"] == "sandbox-provider"
    assert opportunities(market, issued).status_code == 200


def test_a_token_expires_on_the_sandbox_clock(market: SandboxServer) -> None:
    issued = token(market)
    market.clock.advance(3599)
    assert opportunities(market, issued).status_code == 200
    market.clock.advance(1)
    expired = opportunities(market, issued)
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Token is expired"}
    assert opportunities(market, token(market)).status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": DEFAULT_CLIENT_ID, "api_key": "wrong-key"},
        {"client_id": "someone", "api_key": DEFAULT_API_KEY},
    ],
)
def test_wrong_credentials_are_refused_without_echoing_them(
    market: SandboxServer, credentials: dict[str, str]
) -> None:
    response = ANYONE.post(f"{market.base_url}/authtoken/v1/", json=credentials)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid client_id or api_key."}


def test_missing_credentials_are_a_bad_request(market: SandboxServer) -> None:
    response = ANYONE.post(f"{market.base_url}/authtoken/v1/", json={"client_id": "x"})
    assert response.status_code == 400
    assert response.json() == {"api_key": ["This field is required."]}


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token abc", "Authorization header must be 'Bearer <token>'."),
        ("Bearer not-a-jwt", "Given token not valid for any token type"),
    ],
)
def test_requests_without_a_valid_bearer_token_are_unauthorised(
    market: SandboxServer, authorization: str | None, detail: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = ANYONE.get(f"{market.base_url}/flex-providers/v1/", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_forged_token_is_refused(market: SandboxServer) -> None:
    header, payload, signature = token(market).split(".")
    forever = dict(claims(f"{header}.{payload}.{signature}"), exp=2**40)
    forged_payload = base64.urlsafe_b64encode(json.dumps(forever).encode()).rstrip(b"=").decode()
    response = opportunities(market, f"{header}.{forged_payload}.{signature}")
    assert response.json() == {"detail": "Given token not valid for any token type"}


def test_every_market_endpoint_requires_a_token(market: SandboxServer) -> None:
    checked = 0
    for path, operations in openapi_document()["paths"].items():
        if path.startswith("/_sandbox/") or path == "/authtoken/v1/":
            continue
        for method in operations:
            url = market.base_url + re.sub(r"\{[^}]+\}", "x", path)
            response = ANYONE.request(method, url, json={})
            assert response.status_code == 401, f"{method.upper()} {path}"
            checked += 1
    assert checked == 15


def test_configured_credentials_and_lifetime_replace_the_defaults() -> None:
    config = SandboxConfig(
        start=START,
        speed=0,
        client_id="acme-bot",
        api_key="s3cret",
        provider_id="acme",
        token_lifetime_seconds=60,
    )
    with SandboxServer(config) as custom:
        assert ANYONE.post(f"{custom.base_url}/authtoken/v1/", json=CREDENTIALS).status_code == 401
        issued = token(custom, {"client_id": "acme-bot", "api_key": "s3cret"})
        assert claims(issued)["exp"] - claims(issued)["iat"] == 60
        providers = ANYONE.get(
            f"{custom.base_url}/flex-providers/v1/", headers={"Authorization": f"Bearer {issued}"}
        ).json()
        assert providers == [{"id": "acme", "name": "Sandbox Flex Ltd"}]
        custom.clock.advance(60)
        assert opportunities(custom, issued).status_code == 401
        assert "s3cret" not in repr(config)
