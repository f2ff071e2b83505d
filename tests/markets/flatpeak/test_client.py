"""The Flatpeak client: its models against the documented fixtures, login, paging, 429 and
errors over real HTTP against the simulator, and its error mapping."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from biddaemon.errors import (
    AmbiguousSubmission,
    CredentialsRefused,
    RateLimited,
    RejectedByMarket,
)
from biddaemon.markets.failures import Failure
from biddaemon.markets.flatpeak import (
    API_VERSION,
    Device,
    DeviceCreate,
    DeviceList,
    DeviceProperties,
    DeviceUpdate,
    ErrorResponse,
    FlatpeakClient,
    LoginResponse,
    describe_error,
    to_biddaemon_error,
)
from biddaemon.markets.http import RetryPolicy
from biddaemon.sandbox.platforms import rate_limit_body

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flatpeak"
MODELS = {
    "device_create_request.json": DeviceCreate,
    "device_list_response.json": DeviceList,
    "device_response.json": Device,
    "error_response.json": ErrorResponse,
    "login_response.json": LoginResponse,
}


def doc(name: str):
    return json.loads((FIXTURES / name).read_text())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(flatpeak, flatpeak_server, clock):
    with FlatpeakClient(
        base_url=flatpeak_server.url,
        account_id=flatpeak.account_id,
        api_key=SecretStr(flatpeak.api_key),
        policy=RetryPolicy(attempts=3, total_seconds=30),
        clock=clock,
    ) as client:
        yield client


def test_every_fixture_has_a_model():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(MODELS)


@pytest.mark.parametrize(("name", "model"), sorted(MODELS.items()))
def test_every_fixture_round_trips_through_its_model(name, model):
    document = doc(name)
    assert model.model_validate(document).to_wire(reveal_secrets=True) == document


def test_ratings_are_exact_decimals_and_the_token_stays_secret():
    device = Device.model_validate(doc("device_response.json"))
    assert device.properties.power_rating_import_kwh == Decimal("14.2")
    login = LoginResponse.model_validate(doc("login_response.json"))
    assert "eyJ" not in repr(login)
    assert "eyJ" not in json.dumps(login.to_wire())


def test_a_device_is_created_listed_and_patched_over_http(client, flatpeak):
    created = client.create_device(DeviceCreate.model_validate(doc("device_create_request.json")))
    assert created.id.startswith("dev_")
    assert created.properties.capacity_kwh == Decimal(123)
    [found] = client.list_devices(reference_id="DEV1234567890")
    assert found.id == created.id
    updated = client.update_device(
        created.id, DeviceUpdate(properties=DeviceProperties(capacity_kwh=Decimal("130.5")))
    )
    assert updated.properties.capacity_kwh == Decimal("130.5")
    assert flatpeak.devices()[0]["properties"] == {"capacity_kwh": 130.5}
    assert client.get_device(created.id).reference_id == "DEV1234567890"


def test_every_call_names_the_api_version(client, flatpeak):
    client.list_devices()
    assert [c.status for c in flatpeak.faults.calls] == [200, 200]  # login, list
    with httpx.Client(base_url=client.base_url) as raw:
        assert raw.get("/login").json()["code"] == "version_invalid"
    assert API_VERSION == "2026-08-01.busbar"


def test_lists_are_followed_page_by_page_newest_first(client, flatpeak):
    for number in range(7):
        flatpeak.add_device(
            {"reference_id": f"dev-{number}", "type": "OTHER", "locations": ["loc_1"]}
        )
    devices = client.list_devices(page_size=3)
    assert [d.reference_id for d in devices] == [f"dev-{n}" for n in reversed(range(7))]
    pages = [c for c in flatpeak.faults.calls if c.path == "/devices"]
    assert len(pages) == 3


def test_the_token_is_reused_then_renewed_before_it_expires(client, flatpeak, clock):
    client.list_devices()
    client.list_devices()
    assert flatpeak.logins == 1
    clock.now += 1801  # past half of the 3600 s lifetime
    client.list_devices()
    assert flatpeak.logins == 2


def test_a_token_flatpeak_forgot_is_replaced_once(client, flatpeak):
    client.list_devices()
    flatpeak.expire_tokens()
    client.list_devices()
    assert flatpeak.logins == 2
    assert [c.status for c in flatpeak.faults.calls if c.path == "/devices"] == [200, 401, 200]


def test_refused_credentials_name_the_variables_and_never_the_key(flatpeak, flatpeak_server):
    client = FlatpeakClient(
        base_url=flatpeak_server.url, account_id="acc_x", api_key=SecretStr("sk_test_wrong_456")
    )
    with client, pytest.raises(CredentialsRefused) as raised:
        client.list_devices()
    message = str(raised.value)
    assert "BIDDAEMON_INVENTORY__FLATPEAK__ACCOUNT_ID" in message
    assert "sk_test_wrong_456" not in message
    assert "sk_test_wrong_456" not in repr(client)
    assert [c.path for c in flatpeak.faults.calls] == ["/login"]


def test_a_429_on_a_write_is_rate_limited_with_the_wait_and_not_resent(client, flatpeak):
    flatpeak.faults.inject(
        "POST", "/devices", status=429, body=rate_limit_body(), headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimited) as raised:
        client.create_device(DeviceCreate.model_validate(doc("device_create_request.json")))
    assert raised.value.retry_after == 120
    assert "asked to wait 120 s" in str(raised.value)
    assert [c.method for c in flatpeak.faults.calls if c.path == "/devices"] == ["POST"]
    assert flatpeak.devices() == []


def test_a_refused_device_carries_flatpeaks_explanation(client):
    body = {**doc("device_create_request.json"), "locations": ["loc_1"]}
    body["locations"] = []
    with pytest.raises(ValueError, match="at least 1 item"):
        DeviceCreate.model_validate(body)
    with pytest.raises(RejectedByMarket) as raised:
        client.update_device("dev_unknown", DeviceUpdate(model_name="X"))
    assert raised.value.status_code == 404
    assert "invalid_request/resource_missing: No such device" in str(raised.value)


def test_a_5xx_after_a_write_is_an_unknown_outcome(client, flatpeak):
    flatpeak.faults.inject("POST", "/devices", status=502, body={"message": "bad gateway"})
    with pytest.raises(AmbiguousSubmission):
        client.create_device(DeviceCreate.model_validate(doc("device_create_request.json")))


def response(status: int, body: object, path: str = "/devices") -> httpx.Response:
    request = httpx.Request("GET", f"https://api.flatpeak.com{path}")
    return httpx.Response(status, json=body, request=request)


def test_both_error_shapes_are_described():
    assert describe_error(response(400, doc("error_response.json"))) == (
        "invalid_request/locations_missing: At least one location is required"
    )
    assert describe_error(response(400, {"message": "Old style"})) == "Old style"


@pytest.mark.parametrize(
    ("path", "status", "reauthenticated", "expected"),
    [
        ("/login", 401, False, CredentialsRefused),
        ("/devices", 401, True, CredentialsRefused),
        ("/devices", 429, False, RateLimited),
        ("/devices", 400, False, RejectedByMarket),
    ],
)
def test_error_mapping(path, status, reauthenticated, expected):
    failed = Failure(
        method="GET",
        path=path,
        write=False,
        calls=1,
        response=response(status, doc("error_response.json"), path),
        detail="x",
        reauthenticated=reauthenticated,
    )
    assert type(to_biddaemon_error(failed)) is expected


def test_a_deleted_device_is_gone_and_deleting_it_again_is_refused(client, flatpeak):
    created = client.create_device(DeviceCreate.model_validate(doc("device_create_request.json")))

    client.delete_device(created.id)

    assert flatpeak.devices() == []
    assert [(c.method, c.status) for c in flatpeak.faults.calls if c.method == "DELETE"] == [
        ("DELETE", 202)
    ]
    with pytest.raises(RejectedByMarket):
        client.delete_device(created.id)


def test_the_device_type_is_sent_but_never_returned_as_flatpeak_documents(client, flatpeak):
    created = client.create_device(DeviceCreate.model_validate(doc("device_create_request.json")))

    assert created.type is None
    assert flatpeak.device_type(created.id) == "BATTERY_SYSTEM"
    assert client.get_device(created.id).type is None
