"""Bidding opportunities: open competitions the provider qualifies for, computed from need
direction (deficit counts export, excess counts import), status (archived never qualifies) and
location (postcode area or a latitude/longitude box)."""

from __future__ import annotations

from decimal import Decimal

import httpx

from biddaemon.sandbox import SandboxServer
from biddaemon.sandbox.qualification import flex_disqualification

from .conftest import piclo_fixture


def opportunities(client: httpx.Client) -> dict[str, dict[str, object]]:
    listed = client.get("/bidding-opportunities/v1/", params={"page_size": 100}).json()["results"]
    return {o["competition_id"]: o for o in listed}


def test_the_fixture_market_offers_what_its_assets_qualify_for(
    fixture_client: httpx.Client,
) -> None:
    response = fixture_client.get("/bidding-opportunities/v1/")
    assert response.status_code == 200
    listed = response.json()
    documented = piclo_fixture("bidding_opportunities.json")
    assert [o.keys() for o in listed] == [documented[0].keys()] * len(listed)
    # In closing order (then id); assets in the order the provider registered them.
    assert listed == [
        {
            "competition_id": "q3RtY7u",
            "assets": {"flex": ["aB12cD3"], "planned": []},
            "total_capacity": "5.200",
        },
        {
            "competition_id": "z8mpC6x",
            "assets": {"flex": ["aB12cD3", "eF45gH6"], "planned": ["pL78mN9"]},
            "total_capacity": "9.500",
        },
        {
            "competition_id": "sF33fee",
            "assets": {"flex": ["aB12cD3", "eV77hUb"], "planned": []},
            "total_capacity": "6.700",
        },
        {
            "competition_id": "uT1lity",
            "assets": {"flex": ["aB12cD3"], "planned": []},
            "total_capacity": "5.200",
        },
    ]


def test_an_archived_asset_never_qualifies(fixture_client: httpx.Client) -> None:
    fixture_client.patch("/assets/v1/aB12cD3/", json={"status": "archived"})
    found = opportunities(fixture_client)
    assert sorted(found) == ["sF33fee", "z8mpC6x"]
    assert found["z8mpC6x"]["total_capacity"] == "4.300"

    fixture_client.patch("/assets/v1/aB12cD3/", json={"status": "operational"})
    assert sorted(opportunities(fixture_client)) == ["q3RtY7u", "sF33fee", "uT1lity", "z8mpC6x"]


def test_deficit_counts_export_and_excess_counts_import(fixture_client: httpx.Client) -> None:
    fixture_client.patch("/assets/v1/aB12cD3/", json={"active_export_capacity": "0"})
    found = opportunities(fixture_client)
    assert "q3RtY7u" not in found  # deficit, and the battery no longer exports
    assert found["sF33fee"]["total_capacity"] == "6.700"  # excess still counts its import


def test_location_decides_by_postcode_area_or_coordinates(fixture_client: httpx.Client) -> None:
    # The wind farm is placed by coordinates inside z8mpC6x's Dunfermline box.
    assert "eF45gH6" in opportunities(fixture_client)["z8mpC6x"]["assets"]["flex"]  # type: ignore[index]
    fixture_client.patch("/assets/v1/eF45gH6/", json={"latitude": "57.5"})
    assert "eF45gH6" not in opportunities(fixture_client)["z8mpC6x"]["assets"]["flex"]  # type: ignore[index]

    # Moving the battery to a Glasgow postcode qualifies it for gL4sgow instead.
    fixture_client.patch("/assets/v1/aB12cD3/", json={"postcode": "G2 1AA"})
    found = opportunities(fixture_client)
    assert found["gL4sgow"]["assets"] == {"flex": ["aB12cD3"], "planned": []}
    assert "q3RtY7u" not in found


def test_a_planned_asset_qualifies_only_for_its_competition(fixture_client: httpx.Client) -> None:
    fixture_client.post(
        "/planned-assets/v1/",
        json={
            "provider": "sandbox-provider",
            "reference": "PLN-003",
            "name": "Planned Glasgow battery",
            "voltage_level": "11.00",
            "asset_type": "battery",
            "capacity_type": "export",
            "capacity_value": "2.000",
            "competition_reference": "SPEN-2027-DSO-0046",
        },
    )
    found = opportunities(fixture_client)
    assert found["gL4sgow"]["total_capacity"] == "2.000"
    assert found["z8mpC6x"]["assets"]["planned"] == ["pL78mN9"]  # type: ignore[index]


def test_closed_competitions_are_no_longer_opportunities(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    fixture_market.clock.advance(14 * 24 * 3600)  # past 2027-01-18T17:00Z, before the 25th
    assert sorted(opportunities(fixture_client)) == ["sF33fee", "uT1lity"]


def test_every_generated_opportunity_is_truly_qualified(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    found = opportunities(client)
    assert len(found) >= 5
    market = sandbox.market
    for competition_id, opportunity in found.items():
        competition = market.competition(competition_id)
        assert competition.status_at(market.now()) == "open"
        flex_ids = opportunity["assets"]["flex"]  # type: ignore[index]
        total = Decimal(0)
        for asset_id in flex_ids:
            asset = market.flex_asset(asset_id)
            assert flex_disqualification(asset, competition) is None
            assert asset.status != "archived"
            total += (
                asset.active_export_capacity
                if competition.need_direction == "deficit"
                else asset.active_import_capacity
            )
        for asset_id in opportunity["assets"]["planned"]:  # type: ignore[index]
            total += market.planned_asset(asset_id).capacity_value
        assert Decimal(str(opportunity["total_capacity"])) == total
    archived = {a.id for a in market.fleet().flex if a.status == "archived"}
    assert archived
    assert not any(set(o["assets"]["flex"]) & archived for o in found.values())  # type: ignore[index]
