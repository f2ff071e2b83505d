"""Every rule of the referee, over real HTTP: just inside a limit is stored (201), just outside
is refused with a 400 that names the rule.

The fixture market (scenarios/fixture_market.json) has, open at its start:
- z8mpC6x `availability`, window sW12gWx needs 10.000 MW; qualifying export capacity 9.500
  (aB12cD3 5.200 + eF45gH6 3.000 + planned pL78mN9 1.300)
- q3RtY7u `availability_utilisation`, windows sW34kLm 2.000 MW and sW56nPq 1.250 MW; only
  aB12cD3 (5.200) qualifies
- uT1lity `utilisation` (sWut001, 4.000 MW), sF33fee `service_fee` and `excess` (sWsf001)
- gL4sgow in Glasgow, where the provider has no asset
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from biddaemon.sandbox import SandboxServer
from biddaemon.sandbox.wire import parse_timestamp

AU = [{"type": "availability", "value": "14.25"}, {"type": "utilisation", "value": "285.00"}]
AVAILABILITY = [{"type": "availability", "value": "120.00"}]


def bid(
    window: str = "sW34kLm",
    capacity: str = "1.000",
    rates: list[dict[str, str]] | None = None,
    max_runtime: str | None = "02:00:00",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_window_id": window,
        "capacity": capacity,
        "rates": AU if rates is None else rates,
    }
    if max_runtime is not None:
        body["max_runtime"] = max_runtime
    return body


def rates(**values: str) -> list[dict[str, str]]:
    return [{"type": kind, "value": value} for kind, value in values.items()]


def submit(client: httpx.Client, competition: str, body: Any) -> httpx.Response:
    return client.post(f"/bids/v1/competitions/{competition}/ballots/", json=body)


def messages(response: httpx.Response) -> list[str]:
    body = response.json()
    return [m for value in body.values() for m in (value if isinstance(value, list) else [value])]


# (competition, body, expected fragment of a 400 message, or None: accepted)
CASES = [
    # capacity_required, one bid and split bids summed
    pytest.param("q3RtY7u", {"bids": [bid(capacity="2.000")]}, None, id="capacity_required-at"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="2.001")]},
        "Bid for window sW34kLm: capacity 2.001 exceeds capacity_required 2.000",
        id="capacity_required-over",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="1.000"), bid(capacity="1.000")]},
        None,
        id="split-bids-at",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="1.000"), bid(capacity="1.001")]},
        "Bids for window sW34kLm: total capacity 2.001 exceeds capacity_required 2.000",
        id="split-bids-over",
    ),
    # the included assets' capacity in the need direction
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", "9.500", AVAILABILITY)]},
        None,
        id="all-assets-capacity-at",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", "9.501", AVAILABILITY)]},
        "capacity 9.501 exceeds the 9.500 MW of export capacity of the included assets",
        id="all-assets-capacity-over",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", "5.200", AVAILABILITY)], "assets": {"flex": ["aB12cD3"]}},
        None,
        id="given-assets-capacity-at",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", "5.201", AVAILABILITY)], "assets": {"flex": ["aB12cD3"]}},
        "capacity 5.201 exceeds the 5.200 MW of export capacity of the included assets",
        id="given-assets-capacity-over",
    ),
    pytest.param(
        "sF33fee",
        {"bids": [bid("sWsf001", "3.000", rates(service_fee="4000.00"))]},
        None,
        id="excess-counts-import-at",
    ),
    pytest.param(
        "sF33fee",
        {
            "bids": [bid("sWsf001", "3.000", rates(service_fee="4000.00"))],
            "assets": {"flex": ["eV77hUb"]},
        },
        "exceeds the 1.500 MW of import capacity",
        id="excess-counts-import-over",
    ),
    # exactly the competition type's rate types
    pytest.param("q3RtY7u", {"bids": [bid(rates=AU)]}, None, id="rates-au-both"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=rates(availability="14.25"))]},
        "rates must be exactly availability, utilisation for a competition of type "
        "availability_utilisation",
        id="rates-au-missing-utilisation",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=[*AU, {"type": "service_fee", "value": "10.00"}])]},
        "rates must be exactly availability, utilisation for a competition of type "
        "availability_utilisation",
        id="rates-au-extra-service-fee",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=[*AU, {"type": "availability", "value": "14.00"}])]},
        "(no others, each once); got availability, utilisation, availability",
        id="rates-au-duplicate",
    ),
    pytest.param(
        "uT1lity",
        {"bids": [bid("sWut001", rates=rates(utilisation="240.00"))]},
        None,
        id="rates-utilisation",
    ),
    pytest.param(
        "uT1lity",
        {"bids": [bid("sWut001", rates=rates(availability="10.00"))]},
        "rates must be exactly utilisation for a competition of type utilisation",
        id="rates-utilisation-wrong",
    ),
    pytest.param(
        "z8mpC6x", {"bids": [bid("sW12gWx", rates=AVAILABILITY)]}, None, id="rates-availability"
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", rates=AU)]},
        "rates must be exactly availability for a competition of type availability (no",
        id="rates-availability-with-utilisation",
    ),
    pytest.param(
        "sF33fee",
        {"bids": [bid("sWsf001", rates=rates(service_fee="4000.00"))]},
        None,
        id="rates-service-fee",
    ),
    pytest.param(
        "sF33fee",
        {"bids": [bid("sWsf001", rates=rates(availability="10.00"))]},
        "rates must be exactly service_fee for a competition of type service_fee",
        id="rates-service-fee-wrong",
    ),
    # positive values
    pytest.param("q3RtY7u", {"bids": [bid(capacity="0.001")]}, None, id="capacity-smallest"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="0.000")]},
        "capacity must be positive",
        id="capacity-zero",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=rates(availability="0.01", utilisation="285.00"))]},
        None,
        id="price-smallest",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=rates(availability="0.00", utilisation="285.00"))]},
        "availability rate must be positive",
        id="price-zero",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="-1.000")]},
        "capacity '-1.000' is not a decimal string",
        id="capacity-negative",
    ),
    # decimal places: 3 for capacity, 2 for prices; strings, not numbers
    pytest.param("q3RtY7u", {"bids": [bid(capacity="1.001")]}, None, id="capacity-3-places"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(capacity="1.0001")]},
        "capacity '1.0001' has more than 3 decimal places",
        id="capacity-4-places",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [{**bid(), "capacity": 1.5}]},
        "capacity must be a decimal string",
        id="capacity-json-number",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=rates(availability="14.25", utilisation="285.99"))]},
        None,
        id="price-2-places",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(rates=rates(availability="14.255", utilisation="285.00"))]},
        "availability rate value '14.255' has more than 2 decimal places",
        id="price-3-places",
    ),
    # windows belong to the competition
    pytest.param("q3RtY7u", {"bids": [bid("sW56nPq", "1.250")]}, None, id="window-own"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid("sW12gWx")]},
        "service window sW12gWx does not belong to competition q3RtY7u",
        id="window-of-another-competition",
    ),
    # max_runtime [D]THH:MM:SS
    pytest.param("q3RtY7u", {"bids": [bid(max_runtime="23:59:59")]}, None, id="runtime-max-hhmmss"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(max_runtime="24:00:00")]},
        "max_runtime '24:00:00' is not a duration [D]THH:MM:SS",
        id="runtime-24h-without-days",
    ),
    pytest.param("q3RtY7u", {"bids": [bid(max_runtime="1T01:30:00")]}, None, id="runtime-days"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(max_runtime="1D01:30:00")]},
        "is not a duration [D]THH:MM:SS",
        id="runtime-bad-separator",
    ),
    pytest.param("q3RtY7u", {"bids": [bid(max_runtime="00:00:01")]}, None, id="runtime-1s"),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(max_runtime="00:00:00")]},
        "must be a positive duration",
        id="runtime-zero",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid(max_runtime="2:00:00")]},
        "is not a duration [D]THH:MM:SS",
        id="runtime-one-digit-hour",
    ),
    # the assets named must be the provider's and qualify
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", rates=AVAILABILITY)], "assets": {"flex": ["oLd0Arc"]}},
        "Flex asset oLd0Arc does not qualify for competition z8mpC6x: its status is archived",
        id="asset-archived",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", rates=AVAILABILITY)], "assets": {"flex": ["eV77hUb"]}},
        "it has no export capacity for a deficit need",
        id="asset-wrong-direction",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid()], "assets": {"flex": ["eF45gH6"]}},
        "it is outside the competition's area",
        id="asset-outside-area",
    ),
    pytest.param(
        "q3RtY7u",
        {"bids": [bid()], "assets": {"flex": ["aB12cD3"], "planned": ["pL78mN9"]}},
        "it was planned for competition SPEN-2027-DSO-0042",
        id="planned-asset-for-another-competition",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", rates=AVAILABILITY)], "assets": {"flex": ["nOtMine"]}},
        "Unknown flex asset nOtMine",
        id="asset-unknown",
    ),
    pytest.param(
        "z8mpC6x",
        {"bids": [bid("sW12gWx", rates=AVAILABILITY)], "assets": {"flex": [], "planned": []}},
        "assets must name at least one flex or planned asset",
        id="assets-empty",
    ),
    pytest.param(
        "gL4sgow",
        {"bids": [bid("sWgl001", rates=AVAILABILITY)]},
        "Provider is not qualified for competition gL4sgow",
        id="provider-not-qualified",
    ),
    # a ballot that is not full is fine; one that is empty or misaddressed is not
    pytest.param("q3RtY7u", {"bids": [bid("sW56nPq", "0.500")]}, None, id="not-full-ballot"),
    pytest.param("q3RtY7u", {"bids": []}, "A ballot needs at least one bid.", id="no-bids"),
    pytest.param("q3RtY7u", {}, "This field is required.", id="bids-missing"),
    pytest.param(
        "q3RtY7u",
        {"competition_id": "q3RtY7u", "bids": [bid()]},
        None,
        id="competition-id-matching",
    ),
    pytest.param(
        "q3RtY7u",
        {"competition_id": "z8mpC6x", "bids": [bid()]},
        "Ballot names competition 'z8mpC6x' but was sent to competition q3RtY7u",
        id="competition-id-other",
    ),
    pytest.param(
        "q3RtY7u",
        [bid()],
        "Invalid data. Expected a dictionary, but got list.",
        id="body-not-an-object",
    ),
]


@pytest.mark.parametrize(("competition", "body", "refusal"), CASES)
def test_referee_rule(
    fixture_client: httpx.Client, competition: str, body: Any, refusal: str | None
) -> None:
    response = submit(fixture_client, competition, body)
    if refusal is None:
        assert response.status_code == 201, response.text
        listed = fixture_client.get(f"/bids/v1/competitions/{competition}/ballots/").json()
        assert [b["id"] for b in listed] == [response.json()["id"]]
    else:
        assert response.status_code == 400, response.text
        assert any(refusal in m for m in messages(response)), messages(response)
        listed = fixture_client.get(f"/bids/v1/competitions/{competition}/ballots/").json()
        assert listed == []


def test_every_broken_rule_is_reported_at_once(fixture_client: httpx.Client) -> None:
    body = {
        "bids": [
            bid(capacity="2.0001", rates=rates(availability="1.234"), max_runtime="9"),
            bid("nOpe123"),
        ]
    }
    response = submit(fixture_client, "q3RtY7u", body)
    assert response.status_code == 400
    errors = response.json()["bids"]
    assert len(errors) == 5
    assert any("more than 3 decimal places" in e for e in errors)
    assert any("more than 2 decimal places" in e for e in errors)
    assert any("rates must be exactly" in e for e in errors)
    assert any("max_runtime" in e for e in errors)
    assert any("does not belong to competition" in e for e in errors)


def test_bids_are_accepted_until_the_second_before_close(
    fixture_market: SandboxServer, fixture_client: httpx.Client
) -> None:
    competition = fixture_client.get("/competitions/v1/q3RtY7u/").json()
    close = parse_timestamp(competition["competition_close"])
    fixture_market.clock.set(close - timedelta(seconds=1))
    assert submit(fixture_client, "q3RtY7u", {"bids": [bid()]}).status_code == 201

    fixture_market.clock.set(close)
    response = submit(fixture_client, "q3RtY7u", {"bids": [bid()]})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Competition q3RtY7u is not open for bidding: it closed at 2027-01-18T17:00:00Z"
        ]
    }


def test_resubmission_keeps_the_same_asset_set(fixture_client: httpx.Client) -> None:
    first = submit(fixture_client, "z8mpC6x", {"bids": [bid("sW12gWx", rates=AVAILABILITY)]})
    assert first.status_code == 201
    assert first.json()["assets"] == {"flex": ["aB12cD3", "eF45gH6"], "planned": ["pL78mN9"]}

    narrower = {"bids": [bid("sW12gWx", rates=AVAILABILITY)], "assets": {"flex": ["aB12cD3"]}}
    refused = submit(fixture_client, "z8mpC6x", narrower)
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": [
            "A resubmitted ballot must use exactly the same assets as the active ballot "
            "(flex: aB12cD3, eF45gH6; planned: pL78mN9); this one has "
            "(flex: aB12cD3; planned: none)"
        ]
    }

    same = {
        "bids": [bid("sW12gWx", "2.000", rates=AVAILABILITY)],
        "assets": {"flex": ["eF45gH6", "aB12cD3"], "planned": ["pL78mN9"]},
    }
    assert submit(fixture_client, "z8mpC6x", same).status_code == 201
