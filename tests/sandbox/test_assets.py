"""Flex and Planned Assets through /assets/v1/ and /planned-assets/v1/: create, fetch, list with
a filter, PATCH, pages, and the 400s a DRF serializer would give."""

from __future__ import annotations

import httpx
import pytest

from biddaemon.sandbox import SandboxServer

NEW_ASSET = {
    "provider": "sandbox-provider",
    "ref": "BAT-900",
    "name": "Kirkcaldy battery",
    "status": "operational",
    "asset_category": "storage",
    "asset_type": "battery",
    "voltage_level": "11.00",
    "country_code": "GB",
    "postcode": "KY1 2AB",
    "active_export_capacity": "2.5",
    "active_import_capacity": "2.500",
}


def test_an_asset_is_created_with_server_fields_and_defaults(
    fixture_client: httpx.Client,
) -> None:
    response = fixture_client.post("/assets/v1/", json=NEW_ASSET)
    assert response.status_code == 201
    asset = response.json()
    assert len(asset["id"]) == 7
    assert asset["created"] == asset["modified"] == "2027-01-05T10:00:00Z"
    assert asset["connection_status"] == "planned"
    assert asset["active_export_capacity"] == "2.500"
    assert asset["latitude"] is None
    assert asset["max_runtime"] is None
    assert fixture_client.get(f"/assets/v1/{asset['id']}/").json() == asset


def test_the_list_filters_by_ref(fixture_client: httpx.Client) -> None:
    created = fixture_client.post("/assets/v1/", json=NEW_ASSET).json()
    assert fixture_client.get("/assets/v1/", params={"ref": "BAT-900"}).json() == [created]
    assert fixture_client.get("/assets/v1/", params={"ref": "nothing"}).json() == []
    all_refs = [a["ref"] for a in fixture_client.get("/assets/v1/").json()]
    assert all_refs == ["BAT-001", "WND-001", "EVC-001", "BAT-000", "BAT-900"]


def test_patch_changes_only_what_is_sent(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    before = fixture_client.get("/assets/v1/aB12cD3/").json()
    fixture_market.clock.advance(90)
    response = fixture_client.patch(
        "/assets/v1/aB12cD3/", json={"name": "Renamed", "active_export_capacity": "4.75"}
    )
    assert response.status_code == 200
    after = response.json()
    assert after["name"] == "Renamed"
    assert after["active_export_capacity"] == "4.750"
    assert after["modified"] == "2027-01-05T10:01:30Z"
    unchanged = {
        k: v for k, v in after.items() if k not in {"name", "active_export_capacity", "modified"}
    }
    assert unchanged == {k: before[k] for k in unchanged}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"ref": "BAT-001"}, {"ref": ["A flex asset with ref 'BAT-001' already exists."]}),
        (
            {"provider": "someone-else"},
            {"provider": ['Invalid pk "someone-else" - object does not exist.']},
        ),
        (
            {"postcode": None},
            {"non_field_errors": ["Give either a postcode or both latitude and longitude."]},
        ),
        ({"name": None}, {"name": ["This field may not be null."]}),
        (
            {"status": "retired"},
            {
                "status": [
                    "Input should be 'operational', 'in_development', 'mothballed' or 'archived'"
                ]
            },
        ),
        (
            {"active_export_capacity": "1.2345"},
            {"active_export_capacity": ["'1.2345' has more than 3 decimal places"]},
        ),
        (
            {"active_export_capacity": 1.5},
            {"active_export_capacity": ['must be a decimal string such as "1.500"']},
        ),
        ({"max_runtime": "2h"}, {"max_runtime": ["'2h' is not a duration HH:MM:SS"]}),
    ],
)
def test_invalid_assets_get_drf_style_field_errors(
    fixture_client: httpx.Client, change: dict[str, object], errors: dict[str, list[str]]
) -> None:
    response = fixture_client.post("/assets/v1/", json=NEW_ASSET | change)
    assert response.status_code == 400
    assert response.json() == errors


def test_a_missing_required_field_is_named(fixture_client: httpx.Client) -> None:
    body = {k: v for k, v in NEW_ASSET.items() if k != "asset_type"}
    response = fixture_client.post("/assets/v1/", json=body)
    assert response.status_code == 400
    assert response.json() == {"asset_type": ["This field is required."]}


def test_coordinates_can_locate_an_asset_instead_of_a_postcode(
    fixture_client: httpx.Client,
) -> None:
    body = {k: v for k, v in NEW_ASSET.items() if k != "postcode"}
    response = fixture_client.post(
        "/assets/v1/", json=body | {"latitude": "56.1", "longitude": -3.5}
    )
    assert response.status_code == 201
    assert (response.json()["latitude"], response.json()["longitude"]) == ("56.100000", "-3.500000")


def test_patch_cannot_leave_an_asset_without_a_location(fixture_client: httpx.Client) -> None:
    response = fixture_client.patch("/assets/v1/aB12cD3/", json={"postcode": None})
    assert response.status_code == 400
    assert fixture_client.get("/assets/v1/aB12cD3/").json()["postcode"] == "KY11 8PD"


def test_unknown_assets_are_not_found(fixture_client: httpx.Client) -> None:
    assert fixture_client.get("/assets/v1/nOtHere/").status_code == 404
    assert fixture_client.patch("/assets/v1/nOtHere/", json={"name": "x"}).status_code == 404
    assert fixture_client.get("/planned-assets/v1/nOtHere/").status_code == 404


def test_the_seeded_fleet_is_paginated_and_next_links_reach_every_asset(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    first = client.get("/assets/v1/").json()
    assert first["count"] == len(sandbox.market.fleet().flex) == 14
    assert first["next"] == f"{sandbox.base_url}/assets/v1/?page=2"
    refs, url = [], "/assets/v1/"
    while url:
        page = client.get(url).json()
        refs += [a["ref"] for a in page["results"]]
        url = page["next"]
    assert sorted(refs) == sorted(a.ref for a in sandbox.market.fleet().flex)
    assert client.get("/assets/v1/", params={"page_size": "100"}).json()["next"] is None


def test_planned_assets_are_created_fetched_filtered_and_patched(
    fixture_client: httpx.Client,
) -> None:
    body = {
        "provider": "sandbox-provider",
        "reference": "PLN-002",
        "name": "Planned EV depot",
        "voltage_level": "0.40",
        "asset_type": "ev_charging",
        "capacity_type": "import",
        "capacity_value": "0.8",
        "competition_reference": "SPEN-2027-DSO-0045",
        "operator_name": "SP Energy Networks",
    }
    created = fixture_client.post("/planned-assets/v1/", json=body)
    assert created.status_code == 201
    asset = created.json()
    assert asset["capacity_value"] == "0.800"
    assert asset["estimated_asset_count"] is None
    assert fixture_client.get(f"/planned-assets/v1/{asset['id']}/").json() == asset
    assert fixture_client.get("/planned-assets/v1/", params={"reference": "PLN-002"}).json() == [
        asset
    ]
    assert [
        a["reference"]
        for a in fixture_client.get("/planned-assets/v1/", params={"ref": "PLN-001"}).json()
    ] == ["PLN-001"]

    patched = fixture_client.patch(
        f"/planned-assets/v1/{asset['id']}/", json={"estimated_asset_count": 12}
    )
    assert patched.status_code == 200
    assert patched.json()["estimated_asset_count"] == 12
    assert patched.json()["capacity_value"] == "0.800"

    refused = fixture_client.post("/planned-assets/v1/", json=body | {"capacity_type": "both"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["capacity_type"]
