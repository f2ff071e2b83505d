"""The stand-ins on the sandbox's server: one ASGI app that sends `/localflex/...`,
`/flatpeak/...` and `/tensor/...` to the current stand-in (path prefix removed, as each platform
sees its own root) and everything else to the Piclo market, logging each platform request in
the sandbox's request log. `reset()` replaces the stand-ins with empty ones."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from biddaemon.sandbox.clock import SandboxClock
from biddaemon.sandbox.platforms.flatpeak import FlatpeakSimulator
from biddaemon.sandbox.platforms.localflex import LocalFlexSimulator
from biddaemon.sandbox.platforms.tensor import PREFIX as TENSOR_ROOT
from biddaemon.sandbox.platforms.tensor import TensorSimulator
from biddaemon.sandbox.traffic import Exchange, TrafficLog

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Where each stand-in is served; a client's base URL is the server's URL plus this (Tensor's
# API root is `/v1` below its prefix).
PREFIXES = {"localflex": "/localflex", "flatpeak": "/flatpeak", "tensor": "/tensor"}
BASE_PATHS = {"localflex": "/localflex", "flatpeak": "/flatpeak", "tensor": "/tensor" + TENSOR_ROOT}


class PlatformStandIns:
    """The three stand-ins of one sandbox, on its clock and its request log."""

    def __init__(self, clock: SandboxClock, traffic: TrafficLog) -> None:
        self.clock = clock
        self.traffic = traffic
        self._lock = threading.Lock()
        self.localflex = LocalFlexSimulator()
        self.flatpeak = FlatpeakSimulator(now=clock.now)
        self.tensor = TensorSimulator()

    def reset(self) -> None:
        """Empty stand-ins (their default credentials), as when the sandbox started."""
        with self._lock:
            self.localflex = LocalFlexSimulator()
            self.flatpeak = FlatpeakSimulator(now=self.clock.now)
            self.tensor = TensorSimulator()

    def app_for(self, name: str) -> ASGIApp:
        with self._lock:
            app: ASGIApp = getattr(self, name).app
        return app


def base_urls(server_url: str) -> dict[str, str]:
    """Each stand-in's base URL on a sandbox served at `server_url`."""
    return {name: server_url.rstrip("/") + path for name, path in BASE_PATHS.items()}


def serve_beside(market: ASGIApp, standins: PlatformStandIns) -> ASGIApp:
    """`market` with the stand-ins served under their prefixes."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http":
            for name, prefix in PREFIXES.items():
                if path == prefix or path.startswith(prefix + "/"):
                    await _forward(name, prefix, scope, receive, send, standins)
                    return
        await market(scope, receive, send)

    return app


async def _forward(
    name: str, prefix: str, scope: Scope, receive: Receive, send: Send, standins: PlatformStandIns
) -> None:
    inner = dict(scope)
    inner["path"] = scope["path"][len(prefix) :] or "/"
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw.startswith(prefix.encode()):
        inner["raw_path"] = raw[len(prefix) :] or b"/"
    exchange = Exchange(
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        operation=name,
        time=standins.clock.now(),
    )

    async def recording_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            exchange.status = int(message["status"])
        await send(message)

    try:
        await standins.app_for(name)(inner, receive, recording_send)
    finally:
        standins.traffic.add(exchange)
