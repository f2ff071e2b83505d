"""The documented Piclo payloads (tests/fixtures/piclo/) are accepted by the sandbox where they are
requests, and have the sandbox's shape where they are responses."""

from __future__ import annotations

from typing import Any

import httpx

from biddaemon.sandbox import SandboxServer

from .conftest import piclo_fixture


def keys_of(value: Any) -> Any:
    """The nested key structure of a JSON value (a list of objects by its first object)."""
    if isinstance(value, dict):
        return {k: keys_of(v) for k, v in value.items()}
    if isinstance(value, list):
        objects = [keys_of(item) for item in value if isinstance(item, dict)]
        return objects[:1]
    return None


def test_asset_create_request_is_accepted_with_a_real_provider_id(
    fixture_client: httpx.Client,
) -> None:
    (provider,) = fixture_client.get("/flex-providers/v1/").json()
    body = piclo_fixture("asset_create_request.json")
    assert body["provider"] == "<YOUR_ORG_ID>"
    response = fixture_client.post("/assets/v1/", json=body | {"provider": provider["id"]})
    assert response.status_code == 201, response.text
    created = response.json()
    assert {k: created[k] for k in body} == body | {"provider": provider["id"]}


def test_asset_update_request_is_accepted_as_a_patch(fixture_client: httpx.Client) -> None:
    (provider,) = fixture_client.get("/flex-providers/v1/").json()
    body = piclo_fixture("asset_create_request.json") | {"provider": provider["id"]}
    created = fixture_client.post("/assets/v1/", json=body).json()
    assert created["connection_status"] == "planned"

    response = fixture_client.patch(
        f"/assets/v1/{created['id']}/", json=piclo_fixture("asset_update_request.json")
    )
    assert response.status_code == 200, response.text
    assert response.json()["connection_status"] == "energised"
    assert response.json()["status"] == "archived"  # the tutorial's test asset never qualifies


def test_ballot_request_is_accepted_against_the_fixture_market(
    fixture_client: httpx.Client,
) -> None:
    response = fixture_client.post(
        "/bids/v1/competitions/z8mpC6x/ballots/", json=piclo_fixture("ballot_request.json")
    )
    assert response.status_code == 201, response.text
    stored = response.json()
    assert keys_of(stored) == keys_of(piclo_fixture("ballot_response.json"))
    assert stored["bids"][0]["capacity"] == "9.320"
    assert stored["bids"][0]["max_runtime"] == "1T01:30:00"
    assert stored["bids"][0]["rates"] == [{"type": "availability", "value": "123.45"}]


def test_the_competition_is_served_in_the_documented_shape(fixture_client: httpx.Client) -> None:
    documented = piclo_fixture("competition.json")
    served = fixture_client.get("/competitions/v1/z8mpC6x/").json()
    assert keys_of(served) == keys_of(documented)
    # The fixture market makes z8mpC6x an availability competition big enough for the fixture
    # ballot (9.32 MW at 123.45); everything else is as documented.
    changed = {"type", "availability_guide_price", "utilisation_guide_price", "service_periods"}
    assert {k: v for k, v in served.items() if k not in changed} == {
        k: v for k, v in documented.items() if k not in changed
    }
    assert served["type"] == "availability"
    windows = served["service_periods"][0]["service_windows"]
    assert [w["capacity_required"] for w in windows] == ["10.000", "1.250"]


def test_results_and_opportunities_have_the_documented_shapes(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    fixture_client.post(
        "/bids/v1/competitions/z8mpC6x/ballots/", json=piclo_fixture("ballot_request.json")
    )
    assert keys_of(fixture_client.get("/bidding-opportunities/v1/").json()) == keys_of(
        piclo_fixture("bidding_opportunities.json")
    )
    fixture_market.clock.advance(14 * 24 * 3600)
    published = fixture_client.get("/bid-results/v1/z8mpC6x/").json()
    documented = piclo_fixture("bid_results.json")
    assert keys_of(published) == keys_of(documented)
    assert published["status"] == "published"
    assert [(r["status"], r["capacity"]) for r in published["results"]] == [("accepted", "9.320")]
