"""After the close a simulated DSO decides: cheapest first, within each window's need and the
budget its guide prices allow; results stay pending until it publishes them; accepted bids become
obligations. The same seed and the same requests give the same outcome."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx

from biddaemon.sandbox import SandboxClock, SandboxConfig, SandboxServer
from biddaemon.sandbox.decisions import NEED_MET, OVER_BUDGET, decide
from biddaemon.sandbox.model import AssetSet, Ballot, Bid, Offer, Rate
from biddaemon.sandbox.scenario import load_scenario, parse_scenario

from .conftest import ANYONE, FIXTURE_MARKET, LONG_TOKENS, authenticated_client, plain_client

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
DECISION_MARKET: dict[str, Any] = {
    "start": "2027-03-01T09:00:00Z",
    "competitions": [
        {
            "id": "dEc1de1",
            "reference": "UKPN-2027-DSO-0100",
            "name": "Croydon Spring Peak 2027",
            "operator_name": "UK Power Networks",
            "type": "availability",
            "need_direction": "deficit",
            "competition_open": "2027-03-01T09:00:00Z",
            "competition_close": "2027-03-01T17:00:00Z",
            "results_at": "2027-03-02T19:00:00Z",
            "availability_guide_price": "20.00",
            "budget_factor": "1.10",
            "service_periods": [
                {
                    "id": "spDec01",
                    "name": "Spring 2027",
                    "start_date": "2027-04-01",
                    "end_date": "2027-07-01",
                    "service_windows": [
                        {
                            "id": "wDec001",
                            "name": "Weekday evening peak",
                            "start_time": "16:00",
                            "end_time": "19:00",
                            "days": WEEKDAYS,
                            "bank_holidays": "excluded",
                            "capacity_required": "3.000",
                        },
                        {
                            "id": "wDec002",
                            "name": "Weekday morning peak",
                            "start_time": "07:00",
                            "end_time": "09:30",
                            "days": WEEKDAYS,
                            "bank_holidays": "excluded",
                            "capacity_required": "1.000",
                        },
                    ],
                }
            ],
            "area": {"places": ["Croydon"]},
            "rival_offers": [
                {
                    "service_window_id": "wDec001",
                    "capacity": "1.000",
                    "rates": [{"type": "availability", "value": "15.00"}],
                },
                {
                    "service_window_id": "wDec001",
                    "capacity": "1.000",
                    "rates": [{"type": "availability", "value": "25.00"}],
                },
            ],
        }
    ],
    "assets": [
        {
            "id": "cRoyBat",
            "ref": "BAT-CR1",
            "name": "Croydon battery",
            "status": "operational",
            "asset_category": "storage",
            "asset_type": "battery",
            "voltage_level": "11.00",
            "country_code": "GB",
            "postcode": "CR0 1AA",
            "active_export_capacity": "10.000",
            "active_import_capacity": "10.000",
        }
    ],
}


def availability(value: str) -> list[dict[str, str]]:
    return [{"type": "availability", "value": value}]


DECISION_BALLOT = {
    "bids": [
        {"service_window_id": "wDec001", "capacity": "1.500", "rates": availability("14.00")},
        {"service_window_id": "wDec001", "capacity": "1.000", "rates": availability("16.00")},
        {"service_window_id": "wDec001", "capacity": "0.500", "rates": availability("23.00")},
        {"service_window_id": "wDec002", "capacity": "1.000", "rates": availability("22.00")},
    ]
}


def load(server: SandboxServer, scenario: dict[str, Any]) -> None:
    response = ANYONE.post(f"{server.base_url}/_sandbox/scenario", json={"scenario": scenario})
    assert response.status_code == 200, response.text


def results(client: httpx.Client, competition_id: str) -> dict[str, Any]:
    response = client.get(f"/bid-results/v1/{competition_id}/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_dso_accepts_cheapest_first_within_need_and_budget(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    load(sandbox, DECISION_MARKET)
    ballot = client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT).json()
    bid_ids = [b["id"] for b in ballot["bids"]]

    sandbox.clock.set(datetime(2027, 3, 2, 19, tzinfo=UTC))
    published = results(client, "dEc1de1")
    assert published["status"] == "published"
    outcome = [
        (r["bid_id"], r["status"], r["capacity"], r["rejection_reason"])
        for r in published["results"]
    ]
    assert outcome == [
        (bid_ids[0], "accepted", "1.500", None),  # cheapest offer of all
        (bid_ids[1], "rejected", "1.000", NEED_MET),  # after the 15.00 rival, 0.500 MW remain
        (bid_ids[2], "rejected", "0.500", OVER_BUDGET),  # above 20.00 x 1.10
        (bid_ids[3], "accepted", "1.000", None),  # exactly at the budget
    ]
    assert {r["ballot_id"] for r in published["results"]} == {ballot["id"]}
    assert [r["service_window_id"] for r in published["results"]] == [
        "wDec001",
        "wDec001",
        "wDec001",
        "wDec002",
    ]


def test_results_are_pending_until_published_and_status_follows_the_clock(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    load(sandbox, DECISION_MARKET)
    client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT)

    def status() -> str:
        return str(client.get("/competitions/v1/dEc1de1/").json()["status"])

    pending = {"competition_id": "dEc1de1", "status": "pending", "results": []}
    assert (status(), results(client, "dEc1de1")) == ("open", pending)
    sandbox.clock.set(datetime(2027, 3, 1, 17, tzinfo=UTC))
    assert (status(), results(client, "dEc1de1")) == ("closed", pending)
    assert client.get("/obligations/v1/").json() == []
    sandbox.clock.set(datetime(2027, 3, 2, 18, 59, 59, tzinfo=UTC))
    assert (status(), results(client, "dEc1de1")) == ("closed", pending)
    sandbox.clock.advance(1)
    assert status() == "results_published"
    assert results(client, "dEc1de1")["status"] == "published"


def test_accepted_bids_become_obligations(sandbox: SandboxServer, client: httpx.Client) -> None:
    load(sandbox, DECISION_MARKET)
    client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT)
    sandbox.clock.set(datetime(2027, 3, 3, tzinfo=UTC))
    accepted = [r for r in results(client, "dEc1de1")["results"] if r["status"] == "accepted"]

    obligations = client.get("/obligations/v1/").json()
    assert [o["bid_id"] for o in obligations] == [r["bid_id"] for r in accepted]
    first = obligations[0]
    assert first["competition_id"] == "dEc1de1"
    assert (first["start_date"], first["end_date"]) == ("2027-04-01", "2027-07-01")
    assert (first["start_time"], first["end_time"], first["days"]) == ("16:00", "19:00", WEEKDAYS)
    assert first["rates"] == availability("14.00")
    assert client.get("/obligations/v1/", params={"bid_id": first["bid_id"]}).json() == [first]
    assert client.get("/obligations/v1/", params={"start_date": "2027-07-01"}).json() == []
    assert client.get("/obligations/v1/", params={"end_date": "2027-04-02"}).json() == obligations


def test_availability_and_utilisation_rank_by_availability_then_utilisation() -> None:
    scenario = load_scenario(FIXTURE_MARKET)
    competition = next(c for c in scenario.market_competitions() if c.id == "q3RtY7u")
    rival = Offer(
        "sW34kLm",
        Decimal("0.500"),
        (Rate("availability", Decimal("13.00")), Rate("utilisation", Decimal("299.00"))),
    )
    competition = replace(competition, rival_offers=(rival,))

    def bid(bid_id: str, capacity: str, a: str, u: str) -> Bid:
        rates = (Rate("availability", Decimal(a)), Rate("utilisation", Decimal(u)))
        return Bid(bid_id, "sW34kLm", Decimal(capacity), None, rates)

    ballot = Ballot(
        "bAllot1",
        "q3RtY7u",
        "sandbox-provider",
        datetime(2027, 1, 5, tzinfo=UTC),
        1,
        AssetSet(),
        (
            bid("b1", "1.000", "14.00", "290.00"),
            bid("b2", "1.000", "14.00", "280.00"),
            bid("b3", "0.400", "1.00", "300.01"),
        ),
    )
    outcome = {r.bid_id: (r.status, r.rejection_reason) for r in decide(competition, ballot)}
    assert outcome == {
        "b2": ("accepted", None),  # same availability as b1, cheaper utilisation
        "b1": ("rejected", NEED_MET),  # 2.000 - 0.500 (rival) - 1.000 (b2) leaves 0.500
        "b3": ("rejected", OVER_BUDGET),  # cheapest availability, utilisation over 300.00
    }


def _rehearse(seed: int) -> dict[str, Any]:
    """Bid guide prices for half of what each of the first three opportunities could offer,
    then let a month pass; what the market published."""
    start = datetime(2027, 1, 5, 10, tzinfo=UTC)
    config = SandboxConfig(start=start, speed=0, seed=seed, token_lifetime_seconds=LONG_TOKENS)
    with SandboxServer(config) as server, authenticated_client(server) as client:
        offers = client.get("/bidding-opportunities/v1/", params={"page_size": 3}).json()["results"]
        for offer in offers:
            competition = client.get(f"/competitions/v1/{offer['competition_id']}/").json()
            window = competition["service_periods"][0]["service_windows"][0]
            capacity = min(Decimal(window["capacity_required"]), Decimal(offer["total_capacity"]))
            rates = [
                {"type": kind, "value": competition[f"{kind}_guide_price"]}
                for kind in ("availability", "utilisation", "service_fee")
                if competition[f"{kind}_guide_price"] is not None
            ]
            half = (capacity / 2).quantize(Decimal("0.001"), ROUND_DOWN)
            bid = {"service_window_id": window["id"], "capacity": str(half), "rates": rates}
            response = client.post(
                f"/bids/v1/competitions/{competition['id']}/ballots/", json={"bids": [bid]}
            )
            assert response.status_code == 201, response.text
        server.clock.advance(31 * 24 * 3600)
        return {o["competition_id"]: results(client, o["competition_id"]) for o in offers}


def test_decisions_are_deterministic_for_a_seed() -> None:
    first = _rehearse(seed=11)
    assert all(r["status"] == "published" and r["results"] for r in first.values())
    assert _rehearse(seed=11) == first
    assert _rehearse(seed=12).keys() != first.keys()


def test_a_fast_clock_publishes_results_without_anyone_moving_it() -> None:
    """At 600x, a real minute is ten simulated hours (real seconds come from a fake clock here)."""
    real = [0.0]
    clock = SandboxClock(datetime(2027, 3, 1, 9, tzinfo=UTC), speed=600, monotonic=lambda: real[0])
    config = SandboxConfig(speed=600, token_lifetime_seconds=LONG_TOKENS)
    with SandboxServer(config, clock=clock) as server:
        server.sandbox.load_scenario(parse_scenario(DECISION_MARKET))
        with authenticated_client(server) as client:
            client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT)
            real[0] += 60  # 17:00 simulated: closed
            assert results(client, "dEc1de1")["status"] == "pending"
            assert client.get("/competitions/v1/dEc1de1/").json()["status"] == "closed"
            real[0] += 60 * 3 + 25  # 2027-03-02T19:10Z: published
            assert results(client, "dEc1de1")["status"] == "published"


def test_results_publish_on_the_real_fast_clock() -> None:
    """At 360000x the 34 simulated hours to publication take about a third of a real second."""
    config = SandboxConfig(speed=0, token_lifetime_seconds=LONG_TOKENS)
    with SandboxServer(config) as server:
        server.sandbox.load_scenario(parse_scenario(DECISION_MARKET))
        with authenticated_client(server) as client:
            submitted = client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT)
            assert submitted.status_code == 201
            assert results(client, "dEc1de1")["status"] == "pending"
            server.clock.set_speed(360_000)  # from now on only real time moves it
            deadline = time.monotonic() + 5
            while results(client, "dEc1de1")["status"] == "pending":
                assert time.monotonic() < deadline, "results never published"
                time.sleep(0.02)
            assert len(results(client, "dEc1de1")["results"]) == 4


def test_a_cancelled_competition_takes_no_ballots_and_publishes_nothing(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    cancelled = dict(DECISION_MARKET)
    cancelled["competitions"] = [DECISION_MARKET["competitions"][0] | {"status": "cancelled"}]
    load(sandbox, cancelled)
    assert client.get("/competitions/v1/dEc1de1/").json()["status"] == "cancelled"
    refused = client.post("/bids/v1/competitions/dEc1de1/ballots/", json=DECISION_BALLOT)
    assert refused.json() == {"non_field_errors": ["Competition dEc1de1 was cancelled"]}
    assert results(client, "dEc1de1") == {
        "competition_id": "dEc1de1",
        "status": "published",
        "results": [],
    }
    assert "dEc1de1" not in [
        o["competition_id"] for o in client.get("/bidding-opportunities/v1/").json()
    ]


def test_results_of_an_unknown_competition_are_not_found(client: httpx.Client) -> None:
    assert client.get("/bid-results/v1/nOsuCh1/").status_code == 404


def test_results_need_a_token(sandbox: SandboxServer) -> None:
    with plain_client(sandbox) as anonymous:
        assert anonymous.get("/bid-results/v1/nOsuCh1/").status_code == 401
