"""Every fault mode does what it says, seen by a real httpx client over loopback."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from biddaemon.sandbox import FaultSpec, SandboxConfig, SandboxServer
from biddaemon.sandbox.faults import rewrite

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


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_late_ballot_is_stored_after_its_client_has_given_up(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="late_ballot", seconds=20, count=1)
    with pytest.raises(httpx.ReadTimeout):
        fixture_client.post(BALLOTS, json=BALLOT, timeout=0.3)
    assert fixture_client.get(BALLOTS).json() == [], "held: the listing does not show it yet"
    fixture_market.clock.advance(19)
    assert fixture_client.get(BALLOTS).json() == [], "the market's clock decides when it lands"
    fixture_market.clock.advance(1)
    assert eventually(lambda: len(fixture_client.get(BALLOTS).json()) == 1)
    (stored,) = fixture_client.get(BALLOTS).json()
    assert stored["active"] is True
    assert stored["bids"][0]["capacity"] == "1.000"
    posted = [r for r in request_log(fixture_market) if r["operation"] == "submit_ballot"]
    assert [(r["status"], r["fault"]) for r in posted] == [(None, "late_ballot")]


@pytest.mark.parametrize(("then", "status"), [("error", 500), ("drop", None)])
def test_a_late_ballot_answers_a_client_still_waiting_as_then_says(
    fixture_market: SandboxServer, fixture_client: httpx.Client, then: str, status: int | None
) -> None:
    inject(fixture_market, kind="late_ballot", seconds=5, then=then, count=1)
    mover = threading.Timer(0.2, fixture_market.clock.advance, args=(5,))
    mover.start()
    try:
        if status is None:
            with pytest.raises(httpx.RemoteProtocolError):
                fixture_client.post(BALLOTS, json=BALLOT)
        else:
            assert fixture_client.post(BALLOTS, json=BALLOT).status_code == status
    finally:
        mover.join()
    assert len(fixture_client.get(BALLOTS).json()) == 1


def test_a_late_ballot_lets_a_refusal_through_late(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="late_ballot", seconds=1, count=1)
    invalid = {"bids": [{**BALLOT["bids"][0], "capacity": "9.000"}]}
    mover = threading.Timer(0.2, fixture_market.clock.advance, args=(1,))
    mover.start()
    try:
        assert fixture_client.post(BALLOTS, json=invalid).status_code == 400
    finally:
        mover.join()
    assert fixture_client.get(BALLOTS).json() == []


def test_a_late_ballot_held_when_the_market_is_reset_is_never_stored(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="late_ballot", seconds=5, then="error", count=1)
    outcome: list[BaseException | int] = []

    def post() -> None:
        try:
            outcome.append(fixture_client.post(BALLOTS, json=BALLOT).status_code)
        except httpx.HTTPError as error:
            outcome.append(error)

    poster = threading.Thread(target=post)
    poster.start()
    assert eventually(lambda: any(r.operation == "submit_ballot" for r in traffic(fixture_market)))
    fixture_market.sandbox.restore()
    poster.join(timeout=5)
    (ended,) = outcome
    assert isinstance(ended, httpx.RemoteProtocolError), "the held request is dropped"
    fixture_market.clock.advance(5)
    assert fixture_client.get(BALLOTS).json() == []


def traffic(server: SandboxServer) -> list[Any]:
    return list(server.sandbox.traffic.records())


def test_a_malformed_fault_can_rewrite_an_answer_into_parseable_bad_data(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    assert fixture_client.post(BALLOTS, json=BALLOT).status_code == 201
    inject(
        fixture_market,
        kind="malformed",
        endpoint="list_ballots",
        remove=["*.bids.*.rates"],
        replace={"*.bids.*.max_runtime": "1000000000T00:00:00", "*.extra": [1]},
        count=1,
    )
    response = fixture_client.get(BALLOTS)
    assert response.status_code == 200
    (listed,) = response.json()
    assert listed["extra"] == [1]
    assert [("rates" in b, b["max_runtime"]) for b in listed["bids"]] == [
        (False, "1000000000T00:00:00")
    ]
    (again,) = fixture_client.get(BALLOTS).json()
    assert "rates" in again["bids"][0], "count=1: the next answer is whole"


def test_path_contains_narrows_a_fault_to_one_competition(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    inject(fixture_market, kind="error", endpoint="get_competition", path_contains="z8mpC6x")
    assert fixture_client.get("/competitions/v1/z8mpC6x/").status_code == 503
    assert fixture_client.get("/competitions/v1/q3RtY7u/").status_code == 200
    assert fixture_client.get("/competitions/v1/z8mpC6x/").status_code == 503


@pytest.mark.parametrize(
    ("spec", "document", "expected"),
    [
        (
            FaultSpec(kind="malformed", remove=("*.bids",)),
            [{"id": "a", "bids": []}, {"id": "b"}],
            [{"id": "a"}, {"id": "b"}],
        ),
        (
            FaultSpec(kind="malformed", remove=("results.0", "count")),
            {"count": 2, "results": [{"id": "a"}, {"id": "b"}]},
            {"results": [{"id": "b"}]},
        ),
        (
            FaultSpec(kind="malformed", remove=("results.*",)),
            {"results": [1, 2, 3]},
            {"results": []},
        ),
        (
            FaultSpec(kind="malformed", replace={"results.*.bids.*.capacity": "1e30"}),
            {"results": [{"bids": [{"capacity": "1"}, {"capacity": "2"}]}]},
            {"results": [{"bids": [{"capacity": "1e30"}, {"capacity": "1e30"}]}]},
        ),
        (
            FaultSpec(kind="malformed", replace={"missing.deeper": 1}, remove=("nope.*",)),
            {"kept": True},
            {"kept": True},
        ),
    ],
)
def test_a_rewrite_edits_what_its_paths_name_and_nothing_else(
    spec: FaultSpec, document: Any, expected: Any
) -> None:
    before = json.dumps(document)
    assert rewrite(document, spec) == expected
    assert json.dumps(document) == before, "the market's own answer is not changed"


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
        ("late_ballot,seconds=20", FaultSpec(kind="late_ballot", seconds=20)),
        (
            "malformed:list_ballots,path_contains=123,remove=*.bids;*.assets",
            FaultSpec(
                kind="malformed",
                endpoint="list_ballots",
                path_contains="123",
                remove=("*.bids", "*.assets"),
            ),
        ),
        (
            "malformed,replace=*.bids.*.max_runtime=1000000000T00:00:00;*.n=3",
            FaultSpec(
                kind="malformed", replace={"*.bids.*.max_runtime": "1000000000T00:00:00", "*.n": 3}
            ),
        ),
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
        ("late_ballot:list_ballots", "late_ballot only applies to submit_ballot"),
        ("drop,remove=bids", "remove and replace only apply to malformed"),
        ("malformed,replace=bids", "PATH=VALUE"),
        ("latency,rate=2", "rate"),
    ],
)
def test_a_bad_command_line_fault_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        FaultSpec.parse_cli(text)


def test_faults_leave_the_openapi_document_alone(fixture_market: SandboxServer) -> None:
    inject(fixture_market, kind="drop")
    assert ANYONE.get(f"{fixture_market.base_url}/openapi.json").status_code == 200
