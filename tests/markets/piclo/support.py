"""Helpers for the Piclo client tests: a scripted fake market (MockTransport, used only by the
error-mapping unit tests), a clock moved by hand, JWTs with a chosen `exp`, the fixture files.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "piclo"
BASE_URL = "https://piclo.test"
CLIENT_ID = "fsp-machine-user"
API_KEY = "key-5f0c1d2e3a4b-do-not-print"
PROVIDER_ID = "prov-7Hq2"
MAX_ATTEMPTS = 4
START = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def fixture_doc(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def make_jwt(exp: datetime | None, subject: str = "machine-user") -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims: dict[str, Any] = {"sub": subject}
    if exp is not None:
        claims["exp"] = int(exp.timestamp())
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


Outcome = (
    tuple[int, Any] | tuple[int, Any, dict[str, str]] | type[httpx.TransportError] | httpx.Response
)


@dataclass
class FakeMarket:
    """Answers each (method, path) from a script; the last outcome of a script repeats.

    An outcome is `(status, json_body[, headers])`, a raw `httpx.Response`, or an httpx
    transport-error class to raise. Logins succeed with `self.tokens` in turn unless scripted.
    """

    clock: Clock
    scripts: dict[tuple[str, str], list[Outcome]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_request: Callable[[httpx.Request], None] | None = None

    def on(self, method: str, path: str, *outcomes: Outcome) -> None:
        self.scripts[(method, path)] = list(outcomes)

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    @property
    def logins(self) -> int:
        return self.calls("POST", "/authtoken/v1/")

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            key = (request.method, request.url.path)
            script = self.scripts.get(key)
            outcome: Outcome | None = None
            if script:
                outcome = script.pop(0) if len(script) > 1 else script[0]
        if self.on_request is not None:
            self.on_request(request)
        if outcome is None:
            if key == ("POST", "/authtoken/v1/"):
                return self._login()
            return httpx.Response(404, json={"detail": "Not found."})
        if isinstance(outcome, type):
            raise outcome("scripted failure", request=request)
        if isinstance(outcome, httpx.Response):
            return outcome
        status, body, *rest = outcome
        headers = rest[0] if rest else {}
        return httpx.Response(status, json=body, headers=headers)

    def _login(self) -> httpx.Response:
        with self.lock:
            token = (
                self.tokens.pop(0)
                if self.tokens
                else make_jwt(self.clock() + timedelta(hours=1), f"t{len(self.issued)}")
            )
            self.issued.append(token)
        return httpx.Response(200, json={"token": token})

    def bearer_of(self, request: httpx.Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")


class CountingGate:
    """A lock or semaphore that counts the threads waiting for it, so a test can see contention
    without sleeping. It stands in for the client's own primitive (a private attribute)."""

    def __init__(self, inner: threading.Lock | threading.BoundedSemaphore) -> None:
        self.inner = inner
        self.waiting = 0
        self.changed = threading.Condition()

    def __enter__(self) -> None:
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
        self.inner.acquire()
        with self.changed:
            self.waiting -= 1
            self.changed.notify_all()

    def __exit__(self, *exc: object) -> None:
        self.inner.release()
