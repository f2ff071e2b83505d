"""The LocalFlex client: its models against the documented fixtures, the envelope, 401 and 422
over real HTTP against the simulator, and its error mapping."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from biddaemon.errors import (
    AmbiguousSubmission,
    CredentialsRefused,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.markets.failures import Failure
from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.localflex import (
    ACTIVE_POWER_30M,
    ACTIVE_POWER_60M,
    Asset,
    AssetCreate,
    AssetType,
    AssetUpdate,
    AssetView,
    Envelope,
    LocalFlexClient,
    PortfolioCreate,
    PortfolioUpdate,
    describe_error,
    format_iso_duration,
    parse_iso_duration,
    to_biddaemon_error,
)
from biddaemon.markets.localflex import Portfolio as PortfolioModel

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "localflex"
MODELS = {
    "asset_get_response.json": Envelope,
    "asset_request.json": AssetCreate,
    "error_401.json": Envelope,
    "portfolio_request.json": PortfolioCreate,
}
MRID = "0aca8c58-aae7-5d99-b3ab-651420536000"


def doc(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def client(localflex, localflex_server):
    with LocalFlexClient(
        base_url=localflex_server.url,
        token=SecretStr(localflex.token),
        policy=RetryPolicy(attempts=3, total_seconds=30),
    ) as client:
        yield client


def new_asset(**changes) -> AssetCreate:
    document = {**doc("asset_request.json"), "mrid": MRID, **changes}
    return AssetCreate.model_validate(document)


def test_every_fixture_has_a_model():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(MODELS)


@pytest.mark.parametrize(("name", "model"), sorted(MODELS.items()))
def test_every_fixture_round_trips_through_its_model(name, model):
    document = doc(name)
    assert model.model_validate(document).to_wire() == document


def test_the_asset_answer_round_trips_with_its_approvals():
    result = doc("asset_get_response.json")["result"]
    view = AssetView.model_validate(result)
    assert view.to_wire() == result
    assert (view.so_approved, view.mo_approved) == (False, True)
    assert view.portfolio == "5kb85f65-4632-4562-c6ji-1t764y92zyq3"  # not a UUID: kept as text
    assert view.asset.asset_type is AssetType.STORAGE
    assert view.asset.flexible_capacity_up == Decimal(2)


def test_the_request_example_is_read_with_its_units_and_durations():
    asset = Asset.model_validate(doc("asset_request.json"))
    assert asset.products == (ACTIVE_POWER_60M,)  # one string in the example, kept as sent
    assert asset.market_products == ACTIVE_POWER_60M
    assert (asset.ramp_rate_up, asset.ramp_rate_up_unit) == (Decimal(500), "kW/min")
    assert asset.response_time == timedelta(minutes=15)
    assert asset.maximum_activation_time == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT45S", timedelta(seconds=45)),
        ("P2W", timedelta(weeks=2)),
        ("PT0S", timedelta(0)),
    ],
)
def test_iso_durations_read_and_write_back(text, duration):
    assert parse_iso_duration(text) == duration
    assert format_iso_duration(duration) == (text if text != "P2W" else "P14D")


@pytest.mark.parametrize("text", ["P1M", "P1Y", "PT", "P", "PT1.5H", "30M", "P1DT", 30])
def test_iso_durations_with_calendar_units_fractions_or_no_parts_are_refused(text):
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_iso_duration(text)


def test_an_asset_is_created_fetched_and_patched_over_http(client, localflex):
    created = client.create_asset(new_asset(marketProducts=[ACTIVE_POWER_30M]))
    assert created.asset.mrid == MRID
    assert localflex.asset(MRID)["marketProducts"] == [ACTIVE_POWER_30M]
    assert client.create_asset(new_asset()).asset.name == "MyAsset1"  # idempotent by mrid
    assert len(localflex.assets()) == 1
    view = client.get_asset(MRID)
    assert (view.so_approved, view.mo_approved) == (False, False)
    localflex.approve(MRID)
    updated = client.update_asset(MRID, AssetUpdate(name="Renamed"))
    assert updated.asset.name == "Renamed"
    assert (updated.so_approved, updated.mo_approved) == (True, True)
    reset = client.update_asset(MRID, AssetUpdate(flexible_capacity_up=Decimal("2.5")))
    assert reset.asset.flexible_capacity_up == Decimal("2.5")
    assert (reset.so_approved, reset.mo_approved) == (False, False)
    assert client.get_asset("3fa85f64-5717-4562-b3fc-2c963f66afa6") is None


def test_portfolios_are_created_listed_and_patched(client, localflex):
    body = doc("portfolio_request.json")
    body["mrid"] = "f040b8ee-ff89-5260-90d1-748c33756912"
    created = client.create_portfolio(PortfolioCreate.model_validate(body))
    assert created.asset_types == (AssetType.AGGREGATED, AssetType.EV, AssetType.OTHER)
    assert [p.mrid for p in client.list_portfolios()] == [created.mrid]
    client.update_portfolio(created.mrid, PortfolioUpdate(auto_assign_asset=True))
    assert client.get_portfolio(created.mrid).auto_assign_asset is True
    assert client.get_portfolio("f040b8ee-0000-5260-90d1-748c33756912") is None
    assert client.list_portfolio_assets(created.mrid) == []
    assert isinstance(created, PortfolioModel)


def test_a_refused_token_is_credentials_refused_at_once(localflex, localflex_server):
    client = LocalFlexClient(base_url=localflex_server.url, token=SecretStr("lf-wrong-789"))
    with client, pytest.raises(CredentialsRefused) as raised:
        client.get_asset(MRID)
    message = str(raised.value)
    assert "Access token is missing or invalid" in message
    assert "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN" in message
    assert "lf-wrong-789" not in message
    assert "lf-wrong-789" not in repr(client)
    assert len(localflex.faults.calls) == 1


def test_a_401_inside_a_200_answer_is_still_refused(client, localflex):
    localflex.faults.inject("GET", f"/asset/{MRID}", status=200, body=doc("error_401.json"))
    with pytest.raises(CredentialsRefused, match="refused the token"):
        client.get_asset(MRID)


def test_a_422_names_each_field_the_simulator_refused(client, localflex):
    with pytest.raises(RejectedByMarket) as raised:
        client.create_asset(new_asset(mrid="asset-1", flexibleCapacityUp=-1))
    assert raised.value.status_code == 422
    assert "mrid: value is not a valid uuid" in raised.value.detail
    assert "flexibleCapacityUp: must not be negative" in raised.value.detail
    assert localflex.assets() == {}


def test_an_injected_422_under_detail_is_read_too(client, localflex):
    body = {"detail": [{"loc": ["body", "postcode"], "msg": "unknown postcode", "type": "x"}]}
    localflex.faults.inject("PATCH", f"/asset/{MRID}", status=422, body=body)
    with pytest.raises(RejectedByMarket, match="postcode: unknown postcode"):
        client.update_asset(MRID, AssetUpdate(postcode="ZZ1 1ZZ"))


def test_a_5xx_after_a_write_is_an_unknown_outcome_and_a_read_is_retried(client, localflex):
    localflex.faults.inject("POST", "/asset", status=500, body={"result": "boom", "code": 500})
    with pytest.raises(AmbiguousSubmission):
        client.create_asset(new_asset())
    localflex.faults.inject("GET", f"/asset/{MRID}", status=503, body={"result": "x"}, times=3)
    with pytest.raises(RetryLater):
        client.get_asset(MRID)
    assert [c.status for c in localflex.faults.calls if c.method == "GET"] == [503, 503, 503]


def response(status: int, body: object) -> httpx.Response:
    request = httpx.Request("GET", "https://api.localflex.co.uk/asset/x")
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, CredentialsRefused), (403, CredentialsRefused), (422, RejectedByMarket)],
)
def test_error_mapping(status, expected):
    failed = Failure(
        method="GET", path="/asset/x", write=False, calls=1, response=response(status, {})
    )
    assert type(to_biddaemon_error(failed)) is expected


def test_describe_error_reads_result_text_and_items():
    assert describe_error(response(401, doc("error_401.json"))) == (
        "Access token is missing or invalid"
    )
    items = {"result": [{"loc": ["body", "mrid"], "msg": "bad", "type": "t"}], "code": 422}
    assert describe_error(response(422, items)) == "mrid: bad"
