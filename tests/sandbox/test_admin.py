"""The admin API under /_sandbox/: what tests use to inspect, reset and reshape the market."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from biddaemon.sandbox import SandboxServer
from biddaemon.sandbox.app import create_app
from biddaemon.sandbox.config import SandboxConfig
from biddaemon.sandbox.runtime import Sandbox

from .conftest import ANYONE, DEFAULT_API_KEY, FIXTURE_MARKET, START, authenticate, plain_client

AU = [{"type": "availability", "value": "14.25"}, {"type": "utilisation", "value": "285.00"}]


def admin(server: SandboxServer, method: str, path: str, **kwargs: object) -> httpx.Response:
    return ANYONE.request(method, f"{server.base_url}/_sandbox/{path}", **kwargs)  # type: ignore[arg-type]


def test_every_market_request_is_listed_without_secrets(
    fixture_market: SandboxServer,
) -> None:
    with plain_client(fixture_market) as client:
        token = authenticate(client)
        client.get("/assets/v1/", params={"ref": "BAT-001"})
        client.get("/competitions/v1/nOsuCh1/")
    admin(fixture_market, "GET", "clock")  # the admin API itself is not listed

    listed = admin(fixture_market, "GET", "requests").json()
    assert [(r["method"], r["path"], r["query"], r["operation"], r["status"]) for r in listed] == [
        ("POST", "/authtoken/v1/", "", "authtoken", 200),
        ("GET", "/assets/v1/", "ref=BAT-001", "list_assets", 200),
        ("GET", "/competitions/v1/nOsuCh1/", "", "get_competition", 404),
    ]
    assert {r["time"] for r in listed} == {"2027-01-05T10:00:00Z"}
    text = json.dumps(listed)
    assert token not in text
    assert token.split(".")[2] not in text
    assert DEFAULT_API_KEY not in text

    assert admin(fixture_market, "DELETE", "requests").status_code == 204
    assert admin(fixture_market, "GET", "requests").json() == []


def test_reset_puts_the_market_back_as_it_started(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    fixture_client.post(
        "/bids/v1/competitions/q3RtY7u/ballots/",
        json={"bids": [{"service_window_id": "sW34kLm", "capacity": "1.000", "rates": AU}]},
    )
    fixture_client.patch("/assets/v1/aB12cD3/", json={"status": "archived"})
    fixture_market.clock.advance(86_400)

    summary = admin(fixture_market, "POST", "reset").json()
    assert summary["now"] == "2027-01-05T10:00:00Z"
    assert summary["ballots"] == 0
    assert summary["requests"] == 0
    assert fixture_client.get("/assets/v1/aB12cD3/").json()["status"] == "operational"
    assert fixture_client.get("/bids/v1/competitions/q3RtY7u/ballots/").json() == []


def test_reset_with_another_seed_builds_another_world(sandbox: SandboxServer) -> None:
    before = {c["id"] for c in admin(sandbox, "GET", "competitions").json()}
    assert admin(sandbox, "POST", "reset", json={"seed": 8}).json()["seed"] == 8
    after = {c["id"] for c in admin(sandbox, "GET", "competitions").json()}
    assert before.isdisjoint(after)
    moved = admin(sandbox, "POST", "reset", json={"start": "2027-06-01T08:00:00Z"}).json()
    assert moved["now"] == "2027-06-01T08:00:00Z"


def test_a_scenario_loads_from_a_file(sandbox: SandboxServer, client: httpx.Client) -> None:
    summary = admin(sandbox, "POST", "scenario", json={"path": str(FIXTURE_MARKET)}).json()
    assert summary["now"] == "2027-01-05T10:00:00Z"
    assert summary["seed"] == 42
    assert summary["competitions"] == {"open": 5}
    assert (summary["flex_assets"], summary["planned_assets"]) == (4, 1)
    assert client.get("/competitions/v1/z8mpC6x/").json()["type"] == "availability"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"path": "/no/such/scenario.json"}, "cannot read scenario /no/such/scenario.json"),
        ({"scenario": {"competitions": [{"id": "x"}]}}, "competitions.0.reference: Field required"),
        ({"scenario": {"seeds": 1}}, "seeds: Extra inputs are not permitted"),
        ({"scenario": {"assets": [{"id": "a"}] * 2}}, "assets.0.ref: Field required"),
    ],
)
def test_a_bad_scenario_is_refused_with_where_it_is_wrong(
    sandbox: SandboxServer, body: dict[str, object], problem: str
) -> None:
    response = admin(sandbox, "POST", "scenario", json=body)
    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert admin(sandbox, "GET", "").json()["now"] == "2027-01-05T10:00:00Z"


def test_duplicate_ids_in_a_scenario_are_refused(sandbox: SandboxServer, tmp_path: Path) -> None:
    scenario = json.loads(FIXTURE_MARKET.read_text(encoding="utf-8"))
    scenario["assets"][1]["id"] = scenario["assets"][0]["id"]
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    response = admin(sandbox, "POST", "scenario", json={"path": str(path)})
    assert response.status_code == 400
    assert response.json() == {"detail": "id aB12cD3 is used twice"}


def test_competitions_show_what_only_the_dso_knows(fixture_market: SandboxServer) -> None:
    listed = {c["id"]: c for c in admin(fixture_market, "GET", "competitions").json()}
    assert listed["z8mpC6x"]["results_at"] == "2027-01-18T19:00:00Z"
    assert listed["z8mpC6x"]["postcode_areas"] == ["KY"]
    assert listed["z8mpC6x"]["rival_offers"] == 1
    assert listed["q3RtY7u"]["budget_factor"] == "1.00"


def test_the_summary_counts_what_the_market_holds(sandbox: SandboxServer) -> None:
    summary = admin(sandbox, "GET", "").json()
    assert summary["provider_id"] == "sandbox-provider"
    assert summary["seed"] == 7
    assert summary["flex_assets"] == 14
    assert set(summary["competitions"]) == {"open", "closed", "results_published"}


@pytest.mark.parametrize(("client_host", "status"), [("127.0.0.1", 200), ("10.1.2.3", 403)])
def test_the_admin_api_answers_only_loopback_clients(client_host: str, status: int) -> None:
    app = create_app(Sandbox(SandboxConfig(start=START, speed=0)))
    transport = httpx.ASGITransport(app=app, client=(client_host, 50000))

    async def ask() -> int:
        # A remote client cannot be made up over loopback, so this one talks ASGI directly.
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as remote:
            return (await remote.get("/_sandbox/clock")).status_code

    assert asyncio.run(ask()) == status


def test_a_non_loopback_host_needs_allow_remote() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        SandboxConfig(host="0.0.0.0")
    assert SandboxConfig(host="0.0.0.0", allow_remote=True).allow_remote
    assert SandboxConfig(host="::1").host == "::1"
    assert SandboxConfig(host="localhost", start=datetime(2027, 1, 1, tzinfo=UTC)).host
