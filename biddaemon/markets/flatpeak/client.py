"""`FlatpeakClient`: login and the device endpoints of Flatpeak, version `2026-08-01.busbar`.

Every call carries `Flatpeak-Version`; the bearer token comes from `GET /login` with HTTP Basic
auth (account id : API key), on its own connection so the key never rides along with other
calls. Retries, `Retry-After` on `429` and safe writes come from `biddaemon.markets.http`; lists
are followed through `has_more` / `starting_after` until the end.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from biddaemon.errors import AmbiguousSubmission, BadMarketData
from biddaemon.markets.flatpeak.auth import BearerToken, MonotonicClock
from biddaemon.markets.flatpeak.errors import LOGIN, describe_error, to_biddaemon_error
from biddaemon.markets.flatpeak.models import (
    API_VERSION,
    MAX_PAGE_SIZE,
    Device,
    DeviceCreate,
    DeviceList,
    DeviceUpdate,
    FlatpeakModel,
    LoginResponse,
    parse_flatpeak,
)
from biddaemon.markets.http import MarketHttp, RetryPolicy
from biddaemon.markets.json_body import decode_json
from biddaemon.markets.platform import Credential, PlatformClient, market_http

ACCOUNT_VARIABLE = "BIDDAEMON_INVENTORY__FLATPEAK__ACCOUNT_ID"
API_KEY_VARIABLE = "BIDDAEMON_INVENTORY__FLATPEAK__API_KEY"
DEVICES = "/devices"
MAX_PAGES = 1000


def device_path(device_id: str) -> str:
    if not device_id.strip():
        raise ValueError("a device id must not be empty")
    return f"{DEVICES}/{quote(device_id, safe='')}"


class FlatpeakClient(PlatformClient):
    """Flatpeak for one account. Use as a context manager, or call `close()`."""

    CREDENTIALS = (
        Credential("account_id", ACCOUNT_VARIABLE, "required to talk to Flatpeak"),
        Credential("api_key", API_KEY_VARIABLE, "required to talk to Flatpeak"),
    )

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        api_key: SecretStr,
        timeout_seconds: float = 30.0,
        connect_timeout_seconds: float = 10.0,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id

        def http(auth: httpx.Auth | None) -> MarketHttp:
            return market_http(
                base_url=self.base_url,
                platform="flatpeak",
                auth=auth,
                headers={"Flatpeak-Version": API_VERSION},
                map_error=to_biddaemon_error,
                describe_error=describe_error,
                secrets=[api_key.get_secret_value()],
                timeout_seconds=timeout_seconds,
                connect_timeout_seconds=connect_timeout_seconds,
                policy=policy,
                transport=transport,
            )

        self._login_http = http(httpx.BasicAuth(account_id, api_key.get_secret_value()))
        self._http = http(None)
        self._token = BearerToken(self._fetch_token, clock=clock)
        self._http.set_auth(self._token)

    def __repr__(self) -> str:
        return f"FlatpeakClient(base_url={self.base_url!r}, account_id={self.account_id!r})"

    def close(self) -> None:
        super().close()
        self._login_http.close()

    @property
    def live_mode(self) -> bool | None:
        """Whether the key is a live one, as the last login said (None before any call)."""
        return self._token.live_mode

    def _fetch_token(self) -> LoginResponse:
        answer = self._login_http.read_json("GET", LOGIN)
        return parse_flatpeak(LoginResponse, answer, what="login answer")

    def list_devices(
        self, *, reference_id: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> list[Device]:
        """Every device (or those with `reference_id`), all pages, newest first."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size is 1..{MAX_PAGE_SIZE}")
        devices: list[Device] = []
        cursors: set[str] = set()
        params: dict[str, str] = {"limit": str(page_size)}
        if reference_id is not None:
            params["reference_id"] = reference_id
        for _ in range(MAX_PAGES):
            body = self._http.read_json("GET", DEVICES, params=params)
            page = parse_flatpeak(DeviceList, body, what="device list")
            devices.extend(page.data)
            if not page.has_more:
                return devices
            if not page.data:
                raise BadMarketData("GET /devices: has_more without any device to continue from")
            cursor = page.data[-1].id
            if cursor in cursors:
                raise BadMarketData(f"GET /devices: the list repeats itself after {cursor!r}")
            cursors.add(cursor)
            params["starting_after"] = cursor
        raise BadMarketData(f"GET /devices: more than {MAX_PAGES} pages")

    def get_device(self, device_id: str) -> Device:
        body = self._http.read_json("GET", device_path(device_id))
        return parse_flatpeak(Device, body, what="device")

    def create_device(self, device: DeviceCreate) -> Device:
        return self._write("POST", DEVICES, device)

    def update_device(self, device_id: str, changes: DeviceUpdate) -> Device:
        return self._write("PATCH", device_path(device_id), changes)

    def delete_device(self, device_id: str) -> None:
        """Delete a device (Flatpeak answers `202`); a device already gone is a 404 error."""
        self._http.write("DELETE", device_path(device_id), json={})

    def _write(self, method: str, path: str, payload: FlatpeakModel) -> Device:
        """Send a write; an answer we cannot read after a 2xx still means 'it may have landed'."""
        sent: dict[str, Any] = payload.to_wire()
        response = self._http.write(method, path, json=sent)
        try:
            return parse_flatpeak(Device, decode_json(response), what="device")
        except BadMarketData as error:
            raise AmbiguousSubmission(
                f"{method} {path}: Flatpeak answered {response.status_code} but the answer "
                f"cannot be read ({error}); read the devices before sending again",
                sent=sent,
            ) from None
