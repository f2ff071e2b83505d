"""Ballots: stored and listed newest first with only the latest active, paginated, refused with
the right status when the request itself is wrong."""

from __future__ import annotations

import httpx

from biddaemon.sandbox import SandboxServer

from .conftest import ANYONE, piclo_fixture

PATH = "/bids/v1/competitions/q3RtY7u/ballots/"
AU = [{"type": "availability", "value": "14.25"}, {"type": "utilisation", "value": "285.00"}]


def au_ballot(capacity: str) -> dict[str, object]:
    return {
        "competition_id": "q3RtY7u",
        "bids": [
            {
                "service_window_id": "sW34kLm",
                "capacity": capacity,
                "max_runtime": "02:00:00",
                "rates": AU,
            },
            {"service_window_id": "sW56nPq", "capacity": "0.250", "rates": AU},
        ],
    }


def test_a_valid_ballot_is_stored_with_ids_and_normalised_decimals(
    fixture_client: httpx.Client,
) -> None:
    response = fixture_client.post(PATH, json=au_ballot("1.5"))
    assert response.status_code == 201
    stored = response.json()
    assert stored.keys() == piclo_fixture("ballot_response.json").keys()
    assert stored["competition_id"] == "q3RtY7u"
    assert stored["active"] is True
    assert stored["created"] == "2027-01-05T10:00:00Z"
    assert stored["assets"] == {"flex": ["aB12cD3"], "planned": []}
    assert [b["capacity"] for b in stored["bids"]] == ["1.500", "0.250"]
    assert [b["max_runtime"] for b in stored["bids"]] == ["02:00:00", None]
    assert stored["bids"][0]["rates"] == AU
    ids = [stored["id"], *(b["id"] for b in stored["bids"])]
    assert len(set(ids)) == 3
    assert all(len(i) == 7 for i in ids)


def test_ballots_are_listed_newest_first_and_only_the_latest_is_active(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    submitted = []
    for capacity in ("1.000", "1.250", "1.500"):
        submitted.append(fixture_client.post(PATH, json=au_ballot(capacity)).json()["id"])
        fixture_market.clock.advance(60)

    listed = fixture_client.get(PATH).json()
    assert [b["id"] for b in listed] == submitted[::-1]
    assert [b["active"] for b in listed] == [True, False, False]
    assert [b["bids"][0]["capacity"] for b in listed] == ["1.500", "1.250", "1.000"]
    assert [b["created"] for b in listed] == [
        "2027-01-05T10:02:00Z",
        "2027-01-05T10:01:00Z",
        "2027-01-05T10:00:00Z",
    ]
    admin = ANYONE.get(f"{fixture_market.base_url}/_sandbox/ballots").json()
    assert [b["id"] for b in admin] == submitted[::-1]
    assert [s.ballot.id for s in fixture_market.market.all_ballots()] == submitted[::-1]


def test_ballot_lists_are_paginated_with_absolute_next_links(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    submitted = [fixture_client.post(PATH, json=au_ballot("1.000")).json()["id"] for _ in range(12)]

    first = fixture_client.get(PATH).json()
    assert first["count"] == 12
    assert first["previous"] is None
    assert first["next"] == f"{fixture_market.base_url}{PATH}?page=2"
    assert len(first["results"]) == 10

    seen, url = [], f"{PATH}?page_size=5"
    while url:
        page = fixture_client.get(url).json()
        seen += [b["id"] for b in page["results"]]
        url = page["next"]
    assert seen == submitted[::-1]

    last = fixture_client.get(f"{PATH}?page_size=5&page=3").json()
    assert last["previous"] == f"{fixture_market.base_url}{PATH}?page_size=5&page=2"
    assert fixture_client.get(f"{PATH}?page=4&page_size=5").json() == {"detail": "Invalid page."}


def test_a_ballot_for_an_unknown_competition_is_not_found(fixture_client: httpx.Client) -> None:
    response = fixture_client.post("/bids/v1/competitions/nOsuCh1/ballots/", json=au_ballot("1"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert fixture_client.get("/bids/v1/competitions/nOsuCh1/ballots/").status_code == 404


def test_a_body_that_is_not_json_is_a_parse_error(fixture_client: httpx.Client) -> None:
    response = fixture_client.post(
        PATH, content=b"{'bids': []}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")


def test_ballots_need_a_token(fixture_market: SandboxServer) -> None:
    response = ANYONE.post(f"{fixture_market.base_url}{PATH}", json=au_ballot("1.000"))
    assert response.status_code == 401
    assert fixture_market.market.all_ballots() == []
