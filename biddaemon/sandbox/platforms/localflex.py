"""A LocalFlex simulator: assets and portfolios in memory, behind the documented envelope.

It checks what it is sent with its own code (not the client's models), wraps every answer in
`{"result", "status", "code"}` (401 says `"status": true`, as the published example does),
answers validation errors with `422` and `loc`/`msg`/`type` items, and clears both approvals
when a PATCH changes a field that resets them. `approve(mrid)` plays the System Operator and
EPEX approving an asset. `asset_type`s listed on an `autoAssignAsset` portfolio pull a newly
created asset into that portfolio.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from biddaemon.sandbox.platforms.faults import Faults

ASSET_TYPES = ("Aggregated", "Storage", "Demand Response", "Wind", "Solar", "CHP", "EV", "Other")
RESETS_APPROVAL = (
    "assetType",
    "marketProducts",
    "flexibleCapacityUp",
    "flexibleCapacityUpUnit",
    "flexibleCapacityDown",
    "flexibleCapacityDownUnit",
    "responseTimeDuration",
)
NUMBERS = (
    "flexibleCapacityUp",
    "flexibleCapacityDown",
    "usabilityCapacity",
    "rampRateUp",
    "rampRateDown",
)
UNITS = {
    "flexibleCapacityUpUnit": ("MW", "kW"),
    "flexibleCapacityDownUnit": ("MW", "kW"),
    "usabilityCapacityUnit": ("MWh", "kWh"),
    "rampRateUpUnit": ("kW/min", "MW/min"),
    "rampRateDownUnit": ("kW/min", "MW/min"),
}
DURATIONS = (
    "minimumActivationTimeDuration",
    "maximumActivationTimeDuration",
    "responseTimeDuration",
    "recoveryTimeDuration",
)
TEXTS = (
    "name",
    "contactName",
    "phoneNumber",
    "email",
    "gridNodeMRID",
    "importMeterId",
    "exportMeterId",
    "location",
    "postcode",
)
ASSET_FIELDS = frozenset(
    {"assetType", "mrid", "canProvideMetering", "marketProducts"}
    | set(NUMBERS)
    | set(UNITS)
    | set(DURATIONS)
    | set(TEXTS)
)
PORTFOLIO_FIELDS = frozenset(
    ("mrid", "name", "gridNodeMrid", "marketProducts", "autoAssignAsset", "assetTypes")
)
_ISO_DURATION = re.compile(r"^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _envelope(result: Any, code: int, *, status: bool = True) -> JSONResponse:
    return JSONResponse({"result": result, "status": status, "code": code}, status_code=code)


def _problem(field: str, message: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": kind}


def _check_asset_fields(body: dict[str, Any], *, creating: bool) -> list[dict[str, Any]]:
    problems = [
        _problem(name, "extra fields not permitted", "value_error.extra")
        for name in body
        if name not in ASSET_FIELDS
    ]
    if creating:
        for name in ("mrid", "name", "assetType", "marketProducts"):
            if body.get(name) in (None, "", []):
                problems.append(_problem(name, "field required", "value_error.missing"))
        if not body.get("gridNodeMRID") and not body.get("postcode"):
            problems.append(_problem("postcode", "gridNodeMRID or postcode is required"))
    elif "mrid" in body:
        problems.append(_problem("mrid", "mrid cannot be changed"))
    if "mrid" in body and body["mrid"] is not None and not _UUID.match(str(body["mrid"])):
        problems.append(_problem("mrid", "value is not a valid uuid", "type_error.uuid"))
    if "assetType" in body and body["assetType"] not in ASSET_TYPES:
        problems.append(_problem("assetType", f"must be one of {', '.join(ASSET_TYPES)}"))
    for name in NUMBERS:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(_problem(name, "value is not a valid number", "type_error.float"))
        elif value is not None and value < 0:
            problems.append(_problem(name, "must not be negative"))
    for name, allowed in UNITS.items():
        if body.get(name) is not None and body[name] not in allowed:
            problems.append(_problem(name, f"must be one of {', '.join(allowed)}"))
    for name in DURATIONS:
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not _ISO_DURATION.match(value)):
            problems.append(_problem(name, "must be an ISO 8601 duration such as PT30M"))
    for name in TEXTS:
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.append(_problem(name, "str type expected", "type_error.str"))
    products = body.get("marketProducts")
    if products is not None:
        items = [products] if isinstance(products, str) else products
        if not isinstance(items, list) or not all(
            isinstance(p, str) and _UUID.match(p) for p in items
        ):
            problems.append(_problem("marketProducts", "must be market product UUIDs"))
    if "canProvideMetering" in body and not isinstance(
        body["canProvideMetering"], bool | type(None)
    ):
        problems.append(_problem("canProvideMetering", "value could not be parsed to a boolean"))
    return problems


def _check_portfolio_fields(body: dict[str, Any], *, creating: bool) -> list[dict[str, Any]]:
    problems = [
        _problem(name, "extra fields not permitted", "value_error.extra")
        for name in body
        if name not in PORTFOLIO_FIELDS
    ]
    if creating:
        for name in ("mrid", "name"):
            if not body.get(name):
                problems.append(_problem(name, "field required", "value_error.missing"))
    elif "mrid" in body:
        problems.append(_problem("mrid", "mrid cannot be changed"))
    products = body.get("marketProducts")
    if products is not None and not (
        isinstance(products, list) and all(isinstance(p, str) and _UUID.match(p) for p in products)
    ):
        problems.append(_problem("marketProducts", "must be an array of market product UUIDs"))
    types = body.get("assetTypes")
    if types is not None and not (isinstance(types, list) and all(t in ASSET_TYPES for t in types)):
        problems.append(_problem("assetTypes", f"items must be among {', '.join(ASSET_TYPES)}"))
    if "autoAssignAsset" in body and not isinstance(body["autoAssignAsset"], bool | type(None)):
        problems.append(_problem("autoAssignAsset", "value could not be parsed to a boolean"))
    return problems


class LocalFlexSimulator:
    """In-memory LocalFlex for one FSP token; `app` is the ASGI app to serve."""

    def __init__(self, *, token: str = "lf-test-token") -> None:  # noqa: S107 (a test token)
        self.token = token
        self.faults = Faults()
        self._lock = threading.Lock()
        self._assets: dict[str, dict[str, Any]] = {}
        self._approvals: dict[str, tuple[bool, bool]] = {}
        self._membership: dict[str, str | None] = {}
        self._portfolios: dict[str, dict[str, Any]] = {}
        self.app = self._build()

    # What tests look at and do -----------------------------------------------------------

    def asset(self, mrid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._assets.get(mrid)
            return dict(found) if found is not None else None

    def assets(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {mrid: dict(doc) for mrid, doc in self._assets.items()}

    def approvals(self, mrid: str) -> tuple[bool, bool]:
        """(soApproved, moApproved)."""
        with self._lock:
            return self._approvals[mrid]

    def change_asset(self, mrid: str, **fields: Any) -> None:
        """Change an asset as someone using the LocalFlex portal would."""
        with self._lock:
            self._assets[mrid].update(fields)

    def approve(self, mrid: str) -> None:
        """The System Operator and EPEX market operations both approve the asset."""
        with self._lock:
            self._approvals[mrid] = (True, True)

    def portfolio(self, mrid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._portfolios.get(mrid)
            return dict(found) if found is not None else None

    # The API -----------------------------------------------------------------------------

    def _view(self, mrid: str) -> dict[str, Any]:
        so, mo = self._approvals[mrid]
        return {
            "asset": dict(self._assets[mrid]),
            "portfolio": self._membership.get(mrid),
            "soApproved": so,
            "moApproved": mo,
        }

    def _auto_portfolio(self, asset: dict[str, Any]) -> str | None:
        for mrid, portfolio in self._portfolios.items():
            types = portfolio.get("assetTypes") or []
            if portfolio.get("autoAssignAsset") and asset.get("assetType") in types:
                return mrid
        return None

    def _build(self) -> FastAPI:
        app = FastAPI(title="LocalFlex simulator", openapi_url=None, docs_url=None)

        @app.middleware("http")
        async def _auth(request: Request, call_next: Any) -> Any:
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return _envelope("Access token is missing or invalid", 401)
            return await call_next(request)

        async def json_body(request: Request) -> Any:
            try:
                return await request.json()
            except ValueError:
                return None

        @app.post("/asset")
        async def create_asset(request: Request) -> JSONResponse:
            body = await json_body(request)
            if not isinstance(body, dict):
                return _envelope([_problem("body", "a JSON object is required")], 422, status=False)
            problems = _check_asset_fields(body, creating=True)
            if problems:
                return _envelope(problems, 422, status=False)
            with self._lock:
                mrid = str(body["mrid"])
                if mrid not in self._assets:  # the client's mrid makes creation idempotent
                    self._assets[mrid] = dict(body)
                    self._approvals[mrid] = (False, False)
                    self._membership[mrid] = self._auto_portfolio(body)
                return _envelope(self._view(mrid), 200)

        @app.get("/asset/portfolio/{mrid}")
        def portfolio_assets(mrid: str) -> JSONResponse:
            with self._lock:
                if mrid not in self._portfolios:
                    return _envelope("Portfolio not found", 404, status=False)
                members = [
                    dict(self._assets[asset])
                    for asset, portfolio in self._membership.items()
                    if portfolio == mrid
                ]
                return _envelope(members, 200)

        @app.get("/asset/{mrid}")
        def get_asset(mrid: str) -> JSONResponse:
            with self._lock:
                if mrid not in self._assets:
                    return _envelope("Asset not found", 404, status=False)
                return _envelope(self._view(mrid), 200)

        @app.patch("/asset/{mrid}")
        async def update_asset(mrid: str, request: Request) -> JSONResponse:
            body = await json_body(request)
            if not isinstance(body, dict):
                return _envelope([_problem("body", "a JSON object is required")], 422, status=False)
            with self._lock:
                if mrid not in self._assets:
                    return _envelope("Asset not found", 404, status=False)
                problems = _check_asset_fields(body, creating=False)
                if problems:
                    return _envelope(problems, 422, status=False)
                current = self._assets[mrid]
                if any(
                    name in body and body[name] != current.get(name) for name in RESETS_APPROVAL
                ):
                    self._approvals[mrid] = (False, False)
                current.update(body)
                return _envelope(self._view(mrid), 200)

        @app.post("/portfolio")
        async def create_portfolio(request: Request) -> JSONResponse:
            body = await json_body(request)
            if not isinstance(body, dict):
                return _envelope([_problem("body", "a JSON object is required")], 422, status=False)
            problems = _check_portfolio_fields(body, creating=True)
            if problems:
                return _envelope(problems, 422, status=False)
            with self._lock:
                mrid = str(body["mrid"])
                self._portfolios.setdefault(mrid, dict(body))
                return _envelope(dict(self._portfolios[mrid]), 200)

        @app.get("/portfolio")
        def list_portfolios() -> JSONResponse:
            with self._lock:
                return _envelope([dict(p) for p in self._portfolios.values()], 200)

        @app.get("/portfolio/{mrid}")
        def get_portfolio(mrid: str) -> JSONResponse:
            with self._lock:
                if mrid not in self._portfolios:
                    return _envelope("Portfolio not found", 404, status=False)
                return _envelope(dict(self._portfolios[mrid]), 200)

        @app.patch("/portfolio/{mrid}")
        async def update_portfolio(mrid: str, request: Request) -> JSONResponse:
            body = await json_body(request)
            if not isinstance(body, dict):
                return _envelope([_problem("body", "a JSON object is required")], 422, status=False)
            with self._lock:
                if mrid not in self._portfolios:
                    return _envelope("Portfolio not found", 404, status=False)
                problems = _check_portfolio_fields(body, creating=False)
                if problems:
                    return _envelope(problems, 422, status=False)
                self._portfolios[mrid].update(body)
                return _envelope(dict(self._portfolios[mrid]), 200)

        self.faults.install(app)  # added last, so it runs first: faults come before auth
        return app
