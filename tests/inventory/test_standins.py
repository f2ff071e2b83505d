"""The stand-ins are part of the sandbox: served beside the market under their own prefixes,
through its gateway (faults, request log), on its clock, and reset with it."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute

from biddaemon.sandbox.faults import FaultSpec
from biddaemon.sandbox.operations import PLATFORM_OPERATIONS
from biddaemon.sandbox.platforms import VERSION as FLATPEAK_VERSION


def test_every_stand_in_operation_is_one_a_fault_can_target(sandbox):
    names = [
        route.name
        for name in ("localflex", "flatpeak", "tensor")
        for route in sandbox.platforms.app_for(name).routes
        if isinstance(route, APIRoute)
    ]
    assert names == list(PLATFORM_OPERATIONS)


def test_a_sandbox_fault_on_a_stand_in_operation_fires_and_is_logged(sandbox, tensor):
    url = sandbox.platform_urls["tensor"] + "/assets"
    auth = {"authorization": f"Bearer {tensor.api_key}"}
    sandbox.faults.add(FaultSpec(kind="error", endpoint="tensor.list_assets", status=503, count=1))

    assert httpx.get(url, headers=auth).status_code == 503
    assert httpx.get(url, headers=auth).json() == {"data": [], "error": None}

    log = [(r.method, r.path, r.operation, r.status, r.fault) for r in sandbox.traffic.records()]
    assert log == [
        ("GET", "/tensor/v1/assets", "tensor.list_assets", 503, "error"),
        ("GET", "/tensor/v1/assets", "tensor.list_assets", 200, None),
    ]


def test_flatpeak_tokens_expire_on_the_sandbox_clock(sandbox, flatpeak):
    base = sandbox.platform_urls["flatpeak"]
    version = {"Flatpeak-Version": FLATPEAK_VERSION}
    login = httpx.get(
        base + "/login", headers=version, auth=(flatpeak.account_id, flatpeak.api_key)
    ).json()
    bearer = {**version, "authorization": f"Bearer {login['bearer_token']}"}
    assert httpx.get(base + "/devices", headers=bearer).status_code == 200

    sandbox.clock.advance(login["expires_in"] + 1)

    assert httpx.get(base + "/devices", headers=bearer).status_code == 401


def test_a_sandbox_reset_empties_the_stand_ins(sandbox, flatpeak):
    flatpeak.add_device({"reference_id": "x", "type": "OTHER", "locations": ["loc_1"]})
    sandbox.sandbox.reset()
    assert sandbox.platforms.flatpeak.devices() == []


def test_a_plant_added_through_the_admin_api_is_in_the_tensor_workspace(sandbox, tensor):
    plant = {"id": "p-1", "name": "Niigata Solar 1", "status": "operation"}
    added = httpx.post(sandbox.base_url + "/_sandbox/platforms/tensor/assets", json=plant)
    refused = httpx.post(sandbox.base_url + "/_sandbox/platforms/tensor/assets", json=[1])

    assert added.status_code == 201
    assert refused.status_code == 400
    listed = httpx.get(
        sandbox.platform_urls["tensor"] + "/assets",
        headers={"authorization": f"Bearer {tensor.api_key}"},
    )
    assert listed.json() == {"data": [plant], "error": None}


def test_the_sandbox_command_names_where_each_stand_in_answers(sandbox):
    from biddaemon.cli.sandbox_cmd import _stand_ins

    lines = _stand_ins(sandbox)
    assert [line.split()[0] for line in lines] == ["LocalFlex", "Flatpeak", "Tensor"]
    assert f"{sandbox.base_url}/tensor/v1 (API key tensor-test-key" in lines[2]
