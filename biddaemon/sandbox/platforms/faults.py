"""Fault injection and a call log shared by the platform simulators.

A test says "the next POST /devices answers 429 with Retry-After: 3600" and the simulator does
so before any routing or auth; every request is logged, so a test can assert exactly which
calls were made (a second apply that writes nothing makes no POST or PATCH).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Fault:
    """Answer `times` matching requests with `status`, `body` and `headers`."""

    method: str
    path: str  # exact, or a prefix ending in `*`
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int
    faulted: bool


class Faults:
    """Pending faults and the log of calls; thread-safe (uvicorn runs endpoints in a pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self._calls: list[Call] = []

    def inject(
        self,
        method: str,
        path: str,
        *,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        with self._lock:
            self._pending.append(
                Fault(method.upper(), path, status, body, dict(headers or {}), times)
            )

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._pending:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def writes(self, *, succeeded_only: bool = True) -> list[Call]:
        """POST/PATCH/PUT/DELETE calls, by default only those that changed something (2xx)."""
        return [
            call
            for call in self.calls
            if call.method in WRITE_METHODS and (not succeeded_only or 200 <= call.status < 300)
        ]

    def forget_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def install(self, app: FastAPI) -> None:
        """Answer injected faults before routing, and log every call."""

        @app.middleware("http")
        async def _faults(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            fault = self.take(request.method, request.url.path)
            if fault is not None:
                response = Response(
                    content=json.dumps(fault.body),
                    status_code=fault.status,
                    headers=fault.headers,
                    media_type="application/json",
                )
            else:
                response = await call_next(request)
            self.record(
                Call(request.method, request.url.path, response.status_code, fault is not None)
            )
            return response
