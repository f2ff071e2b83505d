"""A Tensor Energy simulator: the workspace's assets behind the `{data, error}` envelope.

Served under `/v1` like the real API. A wrong API key is `not_authorized`, an unknown id
`resource_not_found`, an unknown query parameter `invalid_query_parameter`; `error_envelope`
builds the body a test injects (e.g. `internal_server_error`).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from biddaemon.sandbox.platforms.faults import Faults

PREFIX = "/v1"


def error_envelope(code: str, message: str) -> dict[str, Any]:
    return {"data": None, "error": {"message": message, "code": code}}


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse(error_envelope(code, message), status_code=status)


class TensorSimulator:
    """In-memory Tensor Energy workspace; `app` is the ASGI app to serve (under `/v1`)."""

    def __init__(self, *, api_key: str = "tensor-test-key") -> None:
        self.api_key = api_key
        self.faults = Faults()
        self._lock = threading.Lock()
        self._assets: dict[str, dict[str, Any]] = {}
        self.app = self._build()

    def add_asset(self, document: dict[str, Any]) -> None:
        """Put an asset (a documented asset object) into the workspace, or replace it."""
        with self._lock:
            self._assets[str(document["id"])] = dict(document)

    def assets(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(asset) for asset in self._assets.values()]

    def _build(self) -> FastAPI:
        app = FastAPI(title="Tensor Energy simulator", openapi_url=None, docs_url=None)

        @app.middleware("http")
        async def _auth(request: Request, call_next: Any) -> Any:
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _error(401, "not_authorized", "The API key is not valid for a workspace")
            return await call_next(request)

        @app.get(f"{PREFIX}/assets")
        def list_assets(request: Request) -> Response:
            unknown = sorted(set(request.query_params))
            if unknown:
                return _error(400, "invalid_query_parameter", f"unknown parameter {unknown[0]}")
            with self._lock:
                return JSONResponse({"data": list(self._assets.values()), "error": None})

        @app.get(PREFIX + "/assets/{asset_id}")
        def get_asset(asset_id: str) -> Response:
            with self._lock:
                if asset_id not in self._assets:
                    return _error(404, "resource_not_found", f"asset {asset_id} not found")
                return JSONResponse({"data": self._assets[asset_id], "error": None})

        self.faults.install(app)  # added last, so it runs first
        return app
