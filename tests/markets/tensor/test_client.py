"""The Tensor Energy client: its models against the documented fixtures, its calls over real
HTTP against the simulator, and its error mapping branch by branch."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from biddaemon.errors import (
    BadMarketData,
    CredentialsRefused,
    RateLimited,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.markets.failures import Failure
from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.tensor import (
    AssetsEnvelope,
    AssetStatus,
    ErrorCode,
    TensorAsset,
    TensorClient,
    to_biddaemon_error,
)
from biddaemon.markets.tensor.models import AssetEnvelope
from biddaemon.sandbox.platforms import error_envelope

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tensor"
KEY = "tensor-test-key"


def doc(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def client(tensor, tensor_server):
    with TensorClient(
        base_url=tensor_server.url,
        api_key=SecretStr(tensor.api_key),
        policy=RetryPolicy(attempts=3, total_seconds=30),
    ) as client:
        yield client


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_fixture_round_trips_through_the_envelope(name):
    document = doc(name)
    assert AssetsEnvelope.model_validate(document).to_wire() == document


def test_the_documented_asset_is_read_exactly():
    [asset] = AssetsEnvelope.model_validate(doc("assets_response.json")).data
    assert asset.status is AssetStatus.PLANNING
    assert asset.latitude == Decimal("38.543")
    assert asset.cod_date.isoformat() == "2022-01-01T15:00:00+00:00"
    assert TensorAsset.model_validate(asset.to_wire()) == asset


@pytest.mark.parametrize(
    "document",
    [{"data": None, "error": None}, {"data": [], "error": {"message": "x", "code": "x"}}],
)
def test_an_envelope_must_carry_exactly_one_of_data_and_error(document):
    with pytest.raises(ValueError, match="exactly one of `data` and `error`"):
        AssetsEnvelope.model_validate(document)


def test_assets_are_listed_and_fetched_over_http(client, tensor):
    [plant] = doc("assets_response.json")["data"]
    tensor.add_asset(plant)
    assert [asset.id for asset in client.list_assets()] == [plant["id"]]
    assert client.get_asset(plant["id"]).name == "Demo asset"
    assert client.get_asset("no-such-plant") is None
    assert [c.path for c in tensor.faults.calls] == [
        "/v1/assets",
        f"/v1/assets/{plant['id']}",
        "/v1/assets/no-such-plant",
    ]


def test_an_empty_workspace_is_an_empty_list(client):
    assert client.list_assets() == []


def test_a_refused_key_names_the_variable_and_never_the_key(tensor, tensor_server):
    client = TensorClient(base_url=tensor_server.url, api_key=SecretStr("wrong-key-123"))
    with client, pytest.raises(CredentialsRefused) as raised:
        client.list_assets()
    message = str(raised.value)
    assert "not_authorized" in message
    assert "BIDDAEMON_INVENTORY__TENSOR__API_KEY" in message
    assert "wrong-key-123" not in message
    assert "wrong-key-123" not in repr(client)


def test_an_internal_error_envelope_is_retried_then_reported(client, tensor):
    tensor.faults.inject("GET", "/v1/assets", status=500, body=doc("error_response.json"), times=3)
    with pytest.raises(RetryLater) as raised:
        client.list_assets()
    assert "internal_server_error: something went wrong during the process" in str(raised.value)
    assert len(tensor.faults.calls) == 3


def test_an_error_envelope_decides_even_with_a_success_status(client, tensor):
    tensor.faults.inject(
        "GET", "/v1/assets", status=200, body=error_envelope("invalid_query_parameter", "bad q")
    )
    with pytest.raises(RejectedByMarket, match="invalid_query_parameter: bad q"):
        client.list_assets()
    assert len(tensor.faults.calls) == 1


def test_the_hourly_limit_is_rate_limited_with_the_wait(client, tensor):
    tensor.faults.inject(
        "GET",
        "/v1/assets",
        status=429,
        body={"message": "slow down"},
        headers={"Retry-After": "900"},
    )
    with pytest.raises(RateLimited) as raised:
        client.list_assets()
    assert raised.value.retry_after == 900


def test_a_payload_that_is_not_an_asset_is_bad_market_data(client, tensor):
    tensor.faults.inject("GET", "/v1/assets", status=200, body={"data": [{"id": 1}], "error": None})
    with pytest.raises(BadMarketData, match="Tensor Energy asset list"):
        client.list_assets()


def failure(status: int, body: object) -> Failure:
    request = httpx.Request("GET", "https://api.tensorenergy.jp/v1/assets")
    response = httpx.Response(status, json=body, request=request)
    return Failure(method="GET", path="/assets", write=False, calls=1, response=response)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, "internal_server_error", RetryLater),
        (401, "not_authorized", CredentialsRefused),
        (200, "not_authorized", CredentialsRefused),
        (400, "invalid_query_parameter", RejectedByMarket),
        (404, "resource_not_found", RejectedByMarket),
        (500, "quota_exceeded_forever", BadMarketData),
    ],
)
def test_the_error_code_decides_not_the_status(status, code, expected):
    error = to_biddaemon_error(failure(status, error_envelope(code, "text")))
    assert type(error) is expected
    assert code in str(error)


def test_without_an_envelope_the_shared_rules_apply():
    assert type(to_biddaemon_error(failure(503, {"message": "down"}))) is RetryLater
    assert type(to_biddaemon_error(failure(429, error_envelope("x", "y")))) is RateLimited


def test_an_unknown_error_code_is_kept_as_text():
    envelope = AssetEnvelope.model_validate(error_envelope("brand_new_code", "m"))
    assert envelope.error.code == "brand_new_code"
    assert envelope.error.known_code is None
    assert AssetEnvelope.model_validate(error_envelope("not_authorized", "m")).error.known_code is (
        ErrorCode.NOT_AUTHORIZED
    )
