"""A Flatpeak simulator: login and devices in memory, version `2026-08-01.busbar`.

`GET /login` takes HTTP Basic (account id : API key) and issues bearer tokens that expire after
`token_lifetime` seconds of the sandbox clock (so a fast clock expires them fast); every call
must name the API version; devices are listed newest first with `has_more` / `starting_after` /
`ending_before`. Errors are `{"object": "error", "type", "code", "message"}`. Its checks are its
own, not the client's. As the documented device object has no `type`, no answer carries it:
the type sent is kept (see `device_type`) but never returned, as on Flatpeak.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from biddaemon.sandbox.clock import real_now
from biddaemon.sandbox.platforms.faults import Faults

VERSION = "2026-08-01.busbar"
DEVICE_TYPES = ("EV_CHARGER", "ELECTRIC_VEHICLE", "BATTERY_SYSTEM", "PV_SYSTEM", "OTHER")
NUMBER_PROPERTIES = (
    "power_rating_import_kwh",
    "power_rating_export_kwh",
    "capacity_kwh",
    "pv_azimuth",
    "pv_tilt",
)
BOOLEAN_PROPERTIES = ("pv_terrain_shading", "pv_forecasts_enabled")
TEXT_FIELDS = ("manufacturer", "model_code", "model_name")
DEVICE_FIELDS = frozenset(("reference_id", "type", "locations", "properties", *TEXT_FIELDS))


def error(status: int, kind: str, code: str, message: str, *, live_mode: bool = False) -> Response:
    body = {
        "object": "error",
        "live_mode": live_mode,
        "type": kind,
        "code": code,
        "message": message,
        "time_created": real_now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
    }
    return JSONResponse(body, status_code=status)


def rate_limit_body() -> dict[str, Any]:
    """What Flatpeak answers with a 429."""
    return {
        "object": "error",
        "type": "rate_limit",
        "code": "too_many_requests",
        "message": "Too many requests; retry after the time given in Retry-After",
    }


def _check_device(body: dict[str, Any], *, creating: bool) -> tuple[str, str] | None:
    """(code, message) of the first problem, or None."""
    unknown = sorted(set(body) - DEVICE_FIELDS)
    if unknown:
        return "parameter_unknown", f"Unknown parameter: {unknown[0]}"
    if creating or "reference_id" in body:
        reference = body.get("reference_id")
        if not isinstance(reference, str) or not reference:
            return "reference_id_missing", "reference_id is required"
    if (creating or "type" in body) and body.get("type") not in DEVICE_TYPES:
        return "type_invalid", f"type must be one of {', '.join(DEVICE_TYPES)}"
    if creating or "locations" in body:
        locations = body.get("locations")
        if not isinstance(locations, list) or not locations:
            return "locations_missing", "At least one location is required"
        if not all(isinstance(loc, str) and loc.startswith("loc_") for loc in locations):
            return "location_invalid", "locations are location ids such as loc_641b90b7"
    for name in TEXT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            return "parameter_invalid", f"{name} must be a string"
    properties = body.get("properties")
    if properties is not None:
        if not isinstance(properties, dict):
            return "properties_invalid", "properties must be an object"
        for name in NUMBER_PROPERTIES:
            value = properties.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                return "properties_invalid", f"properties.{name} must be a non-negative number"
        for name in BOOLEAN_PROPERTIES:
            if properties.get(name) is not None and not isinstance(properties[name], bool):
                return "properties_invalid", f"properties.{name} must be a boolean"
        install = properties.get("install_date")
        if install is not None:
            try:
                moment = datetime.fromisoformat(str(install).replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                return "properties_invalid", "properties.install_date must be an ISO 8601 time"
    return None


class FlatpeakSimulator:
    """In-memory Flatpeak for one account; `app` is the ASGI app to serve."""

    def __init__(
        self,
        *,
        account_id: str = "acc_661677911f2197045e6cf1b1",
        api_key: str = "sk_test_simulated_key",
        token_lifetime: int = 3600,
        now: Callable[[], datetime] = real_now,
    ) -> None:
        self.account_id = account_id
        self.api_key = api_key
        self.token_lifetime = token_lifetime
        self.live_mode = api_key.startswith("sk_live_")
        self.faults = Faults()
        self.logins = 0
        self._now = now
        self._lock = threading.Lock()
        self._tokens: dict[str, datetime] = {}
        self._devices: dict[str, dict[str, Any]] = {}  # insertion order is creation order
        self._types: dict[str, str] = {}  # kept, never answered (the documented object has none)
        self._ids = itertools.count(1)
        self.app = self._build()

    def devices(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(device) for device in self._devices.values()]

    def device_type(self, device_id: str) -> str | None:
        """The `type` last sent for a device (Flatpeak keeps it but does not return it)."""
        with self._lock:
            return self._types.get(device_id)

    def change_device(self, device_id: str, **fields: Any) -> None:
        """Change a device as someone using the Flatpeak portal would."""
        with self._lock:
            self._devices[device_id].update(fields)

    def add_device(self, document: dict[str, Any]) -> dict[str, Any]:
        """Seed a device, as if someone had registered it (for import tests)."""
        with self._lock:
            return self._store(document)

    def expire_tokens(self) -> None:
        """Every issued token stops working (as after a rotation)."""
        with self._lock:
            self._tokens.clear()

    def _store(self, body: dict[str, Any]) -> dict[str, Any]:
        device_id = f"dev_{next(self._ids):024x}"
        shown = {name: value for name, value in body.items() if name != "type"}
        if "type" in body:
            self._types[device_id] = body["type"]
        device = {
            "id": device_id,
            "object": "device",
            "live_mode": self.live_mode,
            **shown,
            "time_created": self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "account_id": self.account_id,
            "last_seen": None,
        }
        self._devices[device_id] = device
        return dict(device)

    def _valid_token(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        expires = self._tokens.get(header.removeprefix("Bearer "))
        return expires is not None and self._now() < expires

    def _basic_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header.removeprefix("Basic "), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        account, _, key = decoded.partition(":")
        return secrets.compare_digest(account, self.account_id) and secrets.compare_digest(
            key, self.api_key
        )

    def _build(self) -> FastAPI:
        app = FastAPI(title="Flatpeak simulator", openapi_url=None, docs_url=None)

        @app.middleware("http")
        async def _version_and_auth(request: Request, call_next: Any) -> Any:
            if request.headers.get("flatpeak-version") != VERSION:
                return error(400, "invalid_request", "version_invalid", f"Send {VERSION}")
            if request.url.path == "/login":
                return await call_next(request)
            with self._lock:
                valid = self._valid_token(request.headers.get("authorization"))
            if not valid:
                return error(401, "invalid_request", "unauthorized", "Invalid or expired token")
            return await call_next(request)

        @app.get("/login")
        def login(request: Request) -> Response:
            if not self._basic_ok(request.headers.get("authorization")):
                return error(401, "invalid_request", "unauthorized", "Invalid account id or key")
            token = "tok_" + secrets.token_hex(16)
            with self._lock:
                self._tokens[token] = self._now() + timedelta(seconds=self.token_lifetime)
                self.logins += 1
            return JSONResponse(
                {
                    "bearer_token": token,
                    "expires_in": self.token_lifetime,
                    "live_mode": self.live_mode,
                }
            )

        async def json_body(request: Request) -> Any:
            try:
                return await request.json()
            except ValueError:
                return None

        @app.post("/devices")
        async def create_device(request: Request) -> Response:
            body = await json_body(request)
            if not isinstance(body, dict):
                return error(400, "invalid_request", "body_invalid", "A JSON object is required")
            problem = _check_device(body, creating=True)
            if problem is not None:
                return error(400, "invalid_request", *problem)
            with self._lock:
                return JSONResponse(self._store(body), status_code=201)

        @app.get("/devices")
        def list_devices(
            reference_id: str | None = None,
            limit: int = 30,
            starting_after: str | None = None,
            ending_before: str | None = None,
        ) -> Response:
            if not 1 <= limit <= 100:
                return error(400, "invalid_request", "limit_invalid", "limit must be 1..100")
            with self._lock:
                newest_first = list(reversed(self._devices.values()))
                if reference_id is not None:
                    newest_first = [d for d in newest_first if d["reference_id"] == reference_id]
                ids = [d["id"] for d in newest_first]
                for cursor in (starting_after, ending_before):
                    if cursor is not None and cursor not in ids:
                        return error(404, "invalid_request", "resource_missing", "No such device")
                if starting_after is not None:
                    newest_first = newest_first[ids.index(starting_after) + 1 :]
                elif ending_before is not None:
                    newest_first = newest_first[: ids.index(ending_before)][-limit:]
                page = [dict(d) for d in newest_first[:limit]]
                return JSONResponse(
                    {
                        "object": "list",
                        "url": "/devices",
                        "has_more": len(newest_first) > limit,
                        "data": page,
                    }
                )

        @app.get("/devices/{device_id}")
        def get_device(device_id: str) -> Response:
            with self._lock:
                if device_id not in self._devices:
                    return error(404, "invalid_request", "resource_missing", "No such device")
                return JSONResponse(dict(self._devices[device_id]))

        @app.patch("/devices/{device_id}")
        async def update_device(device_id: str, request: Request) -> Response:
            body = await json_body(request)
            if not isinstance(body, dict):
                return error(400, "invalid_request", "body_invalid", "A JSON object is required")
            problem = _check_device(body, creating=False)
            if problem is not None:
                return error(400, "invalid_request", *problem)
            with self._lock:
                if device_id not in self._devices:
                    return error(404, "invalid_request", "resource_missing", "No such device")
                if "type" in body:
                    self._types[device_id] = body["type"]
                # `properties` is replaced as a whole
                self._devices[device_id].update({k: v for k, v in body.items() if k != "type"})
                return JSONResponse(dict(self._devices[device_id]))

        @app.delete("/devices/{device_id}")
        def delete_device(device_id: str) -> Response:
            with self._lock:
                self._types.pop(device_id, None)
                if self._devices.pop(device_id, None) is None:
                    return error(404, "invalid_request", "resource_missing", "No such device")
            return JSONResponse({"id": device_id, "object": "device", "deleted": True}, 202)

        self.faults.install(app)  # added last, so it runs first
        return app
