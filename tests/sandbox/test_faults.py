"""Every fault mode does what it says, seen by a real httpx client over loopback."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest

from biddaemon.sandbox import FaultSpec, SandboxConfig, SandboxServer

from .conftest import ANYONE, FIXTURE_MARKET, authenticated_client

BALLOTS = "/bids/v1/competitions/q3RtY7u/ballots/"
BALLOT = {
    "bids": [
        {
            "service_window_id": "sW34kLm",
            "capacity": "1.000",
            "rates": [
                {"type": "availability", "value": "14.25"},
                {"type": "utilisation", "value": "285.00"},
            ],
        }
    ]
}


def inject(server: SandboxServer, **fault: Any) -> list[dict[str, Any]]:
    response = ANYONE.post(f"{server.base_url}/_sandbox/faults", json=fault)
    assert response.status_code == 201, response.text
    added: list[dict[str, Any]] = response.json()
    return added


def request_log(server: SandboxServer) -> list[dict[str, Any]]:
    logged: list[dict[str, Any]] = ANYONE.get(f"{server.base_url}/_sandbox/requests").json()
    return logged


@pytest.mark.parametrize(
    ("status", "content_type"),
    [(500, "text/html; charset=utf-8"), (502, "text/html"), (503, "application/json")],
)
def test_an_error_fault_answers_its_status_for_the_next_n_requests(
    fixture_market: SandboxServer, fixture_client: httpx.Client, status: int, content_type: str
) -> None:
    inject(fixture_market, kind="error", endpoint="list_assets", status=status, count=2)
    first, second, third = (fixture_client.get("/assets/v1/") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert first.headers["content-type"] == content_type
    assert fixture_client.get("/assets/v1/aB12cD3/").status_code == 200  # other endpoints work
    assert [(r["status"], r["fault"]) for r in request_log(fixture_market)][-4:] == [
        (status, "error"),
        (status, "error"),
        (200, None),
        (200, None),
    ]


def test_an_error_fault_on_submission_stores_nothing(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="error", endpoint="submit_ballot", status=503, count=1)
    assert fixture_client.post(BALLOTS, json=BALLOT).status_code == 503
    assert fixture_client.get(BALLOTS).json() == []
    assert fixture_client.post(BALLOTS, json=BALLOT).status_code == 201


def test_rate_limiting_answers_429_with_retry_after(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(
        fixture_market,
        kind="rate_limit",
        endpoint="list_bidding_opportunities",
        seconds=30,
        count=1,
    )
    limited = fixture_client.get("/bidding-opportunities/v1/")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "30"
    assert limited.json() == {"detail": "Request was throttled. Expected available in 30 seconds."}
    assert fixture_client.get("/bidding-opportunities/v1/").status_code == 200


def test_latency_delays_the_answer(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="latency", endpoint="get_competition", seconds=0.15, count=1)
    started = time.monotonic()
    assert fixture_client.get("/competitions/v1/z8mpC6x/").status_code == 200
    assert time.monotonic() - started >= 0.15
    fixture_client.get("/competitions/v1/z8mpC6x/")
    assert [r["fault"] for r in request_log(fixture_market)][-2:] == ["latency", None]


def test_latency_combines_with_another_fault(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="latency", seconds=0.1, count=1)
    inject(fixture_market, kind="error", status=503, count=1)
    started = time.monotonic()
    assert fixture_client.get("/assets/v1/").status_code == 503
    assert time.monotonic() - started >= 0.1
    assert request_log(fixture_market)[-1]["fault"] == "latency,error"


DROPPED_CONNECTION_ERRORS = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.ConnectError,
)


def test_a_dropped_connection_gets_no_response_and_nothing_is_stored(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="drop", endpoint="submit_ballot", count=1)
    # Which error a dropped connection raises depends on timing: the server may close before,
    # while or after the client writes its request.
    with pytest.raises(DROPPED_CONNECTION_ERRORS):
        fixture_client.post(BALLOTS, json=BALLOT)
    assert fixture_client.get(BALLOTS).json() == []
    submitted = request_log(fixture_market)[-2]
    assert (submitted["operation"], submitted["status"], submitted["fault"]) == (
        "submit_ballot",
        None,
        "drop",
    )


def test_a_malformed_body_cannot_be_parsed(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="malformed", endpoint="get_competition", count=1)
    response = fixture_client.get("/competitions/v1/z8mpC6x/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert fixture_client.get("/competitions/v1/z8mpC6x/").json()["id"] == "z8mpC6x"


def test_an_ambiguous_ballot_is_stored_then_the_connection_dropped(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="ambiguous_ballot", then="drop", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        fixture_client.post(BALLOTS, json=BALLOT)
    (stored,) = fixture_client.get(BALLOTS).json()
    assert stored["active"] is True
    assert stored["bids"][0]["capacity"] == "1.000"


def test_an_ambiguous_ballot_is_stored_then_answered_500(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="ambiguous_ballot", then="error", count=1)
    response = fixture_client.post(BALLOTS, json=BALLOT)
    assert response.status_code == 500
    assert len(fixture_client.get(BALLOTS).json()) == 1


def test_an_ambiguous_fault_lets_a_refusal_through(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="ambiguous_ballot", count=1)
    invalid = {"bids": [{**BALLOT["bids"][0], "capacity": "9.000"}]}
    assert fixture_client.post(BALLOTS, json=invalid).status_code == 400
    assert fixture_client.get(BALLOTS).json() == []


def test_a_fault_rate_fires_some_requests_and_replays_for_the_seed(
    fixture_market: SandboxServer,
) -> None:
    def pattern() -> list[int]:
        fixture_market.sandbox.restore()
        inject(fixture_market, kind="error", endpoint="list_assets", rate=0.5)
        with authenticated_client(fixture_market) as client:
            return [client.get("/assets/v1/").status_code for _ in range(30)]

    first = pattern()
    assert set(first) == {200, 503}
    assert pattern() == first


def test_every_market_endpoint_but_never_the_admin_api(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="error", status=503)
    assert fixture_client.get("/flex-providers/v1/").status_code == 503
    assert fixture_client.post("/authtoken/v1/", json={}).status_code == 503
    assert ANYONE.get(f"{fixture_market.base_url}/_sandbox/clock").status_code == 200
    assert ANYONE.delete(f"{fixture_market.base_url}/_sandbox/faults").status_code == 204
    assert fixture_client.get("/flex-providers/v1/").status_code == 200


def test_the_admin_api_lists_what_is_left_of_each_fault(fixture_market: SandboxServer) -> None:
    (added,) = inject(fixture_market, kind="drop", endpoint="list_obligations", count=3)
    assert (added["remaining"], added["fired"]) == (3, 0)
    with authenticated_client(fixture_market) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/obligations/v1/")
    (listed,) = ANYONE.get(f"{fixture_market.base_url}/_sandbox/faults").json()
    assert (listed["id"], listed["remaining"], listed["fired"]) == (added["id"], 2, 1)


def test_an_invalid_fault_is_refused(fixture_market: SandboxServer) -> None:
    response = ANYONE.post(
        f"{fixture_market.base_url}/_sandbox/faults", json={"kind": "error", "endpoint": "nope"}
    )
    assert response.status_code == 400
    assert "unknown endpoint 'nope'" in response.json()["non_field_errors"][0]
    listed = ANYONE.post(
        f"{fixture_market.base_url}/_sandbox/faults",
        json=[{"kind": "drop"}, {"kind": "error", "status": 404}],
    )
    assert listed.status_code == 400
    assert listed.json()["non_field_errors"][0].startswith("fault 2: status: Input should be 500")
    assert ANYONE.get(f"{fixture_market.base_url}/_sandbox/faults").json() == []


def test_faults_given_at_start_apply_from_the_first_request() -> None:
    fault = FaultSpec.parse_cli("rate_limit:list_flex_providers,seconds=5,count=1")
    config = SandboxConfig(scenario=FIXTURE_MARKET, speed=0, faults=(fault,))
    with SandboxServer(config) as server, authenticated_client(server) as client:
        assert client.get("/flex-providers/v1/").headers["retry-after"] == "5"
        assert client.get("/flex-providers/v1/").status_code == 200


def test_a_scenario_can_bring_its_faults(fixture_market: SandboxServer) -> None:
    scenario = json.loads(FIXTURE_MARKET.read_text(encoding="utf-8"))
    scenario["faults"] = [{"kind": "error", "endpoint": "authtoken", "status": 502, "count": 1}]
    loaded = ANYONE.post(
        f"{fixture_market.base_url}/_sandbox/scenario", json={"scenario": scenario}
    )
    assert loaded.json()["faults"] == 1
    credentials = {"client_id": "sandbox-client", "api_key": "sandbox-api-key"}
    token = f"{fixture_market.base_url}/authtoken/v1/"
    assert ANYONE.post(token, json=credentials).status_code == 502
    assert ANYONE.post(token, json=credentials).status_code == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drop", FaultSpec(kind="drop")),
        (
            "error:submit_ballot,status=502,count=2",
            FaultSpec(kind="error", endpoint="submit_ballot", status=502, count=2),
        ),
        ("latency,seconds=0.5,rate=0.1", FaultSpec(kind="latency", seconds=0.5, rate=0.1)),
        ("ambiguous_ballot,then=error", FaultSpec(kind="ambiguous_ballot", then="error")),
    ],
)
def test_the_command_line_form_of_a_fault(text: str, expected: FaultSpec) -> None:
    assert FaultSpec.parse_cli(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("explode", "kind"),
        ("error:nowhere", "unknown endpoint 'nowhere'"),
        ("error,status=404", "status"),
        ("error,count", "is not key=value"),
        ("ambiguous_ballot:list_assets", "only applies to submit_ballot"),
        ("latency,rate=2", "rate"),
    ],
)
def test_a_bad_command_line_fault_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        FaultSpec.parse_cli(text)


def test_faults_leave_the_openapi_document_alone(fixture_market: SandboxServer) -> None:
    inject(fixture_market, kind="drop")
    assert ANYONE.get(f"{fixture_market.base_url}/openapi.json").status_code == 200
