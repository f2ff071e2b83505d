"""The door every request passes: it is logged, and the fault plan may make it misbehave.

A raw ASGI middleware around the FastAPI app, because some faults are below HTTP: to drop a
connection without any response, the gateway returns a value other than None to uvicorn, which
then closes the transport without writing a byte (an app that merely returns without responding
would get uvicorn's own 500 instead). A late ballot is read in full at once and handed to the app
later from that copy, because uvicorn answers "disconnected" to a read after the client has gone,
and the market must store it all the same. Admin requests (`/_sandbox/...`) are neither logged nor
faulted, so tests can always inspect and repair the market.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any, Final

from starlette.routing import Match, Router

from biddaemon.sandbox.faults import FaultSpec, rewrite
from biddaemon.sandbox.operations import MARKET_OPERATIONS
from biddaemon.sandbox.runtime import Sandbox
from biddaemon.sandbox.traffic import Exchange

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[Any]]

ADMIN_PREFIX: Final = "/_sandbox"
DROP: Final = "biddaemon-sandbox: connection dropped on purpose"
HOLD_POLL_SECONDS: Final = 0.05

_ERROR_BODIES: Final[dict[int, tuple[bytes, bytes]]] = {
    500: (b"text/html; charset=utf-8", b"<h1>Server Error (500)</h1>"),
    502: (b"text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    503: (
        b"application/json",
        json.dumps({"detail": "Service temporarily unavailable, try again later."}).encode(),
    ),
}


class _QuietDrops(logging.Filter):
    """uvicorn logs an error for the return value that drops a connection; it is intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return DROP not in (record.args or ())


def quieten_uvicorn_about_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


async def _respond(send: Send, status: int, content_type: bytes, body: bytes, **extra: str) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    headers += [(k.replace("_", "-").encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _Captured:
    """A response held back from the client, so a fault can change or withhold it."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    @property
    def status(self) -> int | None:
        return None if self.start is None else int(self.start["status"])

    async def replay(self, send: Send, body: bytes | None = None) -> None:
        assert self.start is not None
        content = bytes(self.body) if body is None else body
        headers = [(k, v) for k, v in self.start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({**self.start, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})


class Gateway:
    def __init__(self, app: App, router: Router, sandbox: Sandbox) -> None:
        self.app = app
        self.router = router
        self.sandbox = sandbox
        quieten_uvicorn_about_drops()

    def _operation(self, scope: Scope) -> str | None:
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                name = getattr(route, "name", None)
                return name if isinstance(name, str) else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            return await self.app(scope, receive, send)
        operation = self._operation(scope)
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            operation=operation,
            time=self.sandbox.clock.now(),
        )

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
            await send(message)

        delays: list[FaultSpec] = []
        fault: FaultSpec | None = None
        if operation is not None and operation in MARKET_OPERATIONS:  # not /openapi.json
            delays, fault = self.sandbox.faults.take(operation, scope["path"])
        exchange.fault = (
            ",".join([d.kind for d in delays] + ([fault.kind] if fault else [])) or None
        )
        # Recorded before serving (its status is filled in as the response starts), so a test
        # that has read the response always finds the request in the log.
        self.sandbox.traffic.add(exchange)
        for delay in delays:
            await asyncio.sleep(delay.seconds)
        return await self._serve(fault, scope, receive, recording_send)

    async def _serve(
        self, fault: FaultSpec | None, scope: Scope, receive: Receive, send: Send
    ) -> Any:
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.kind == "error":
            content_type, body = _ERROR_BODIES[fault.status]
            await _respond(send, fault.status, content_type, body)
            return None
        if fault.kind == "rate_limit":
            wait = max(1, round(fault.seconds))
            body = json.dumps(
                {"detail": f"Request was throttled. Expected available in {wait} seconds."}
            ).encode()
            await _respond(send, 429, b"application/json", body, retry_after=str(wait))
            return None
        if fault.kind == "drop":
            return DROP
        if fault.kind == "late_ballot":
            held = await self._hold(fault, receive)
            if held is None:
                return DROP
            receive = held
        captured = _Captured()
        await self.app(scope, receive, captured.send)
        if fault.kind == "malformed":
            await captured.replay(send, _malformed(fault, bytes(captured.body)))
            return None
        # ambiguous_ballot or late_ballot: the ballot was stored (201); the client must not
        # learn that. (uvicorn discards what is sent to a client that has gone.)
        if captured.status != 201:
            await captured.replay(send)
            return None
        if fault.then == "drop":
            return DROP
        content_type, body = _ERROR_BODIES[500]
        await _respond(send, 500, content_type, body)
        return None

    async def _hold(self, fault: FaultSpec, receive: Receive) -> Receive | None:
        """Read the whole request now, wait `fault.seconds` on the market's clock (a frozen
        clock holds it until moved), and return a receive that replays it; None when there is
        nothing to store (the client left before its body arrived, or the market was reset
        meanwhile and no longer knows the request)."""
        market = self.sandbox.market
        due = self.sandbox.clock.now() + timedelta(seconds=fault.seconds)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        clock = self.sandbox.clock
        while (left := (due - clock.now()).total_seconds()) > 0:
            if self.sandbox.market is not market:
                return None
            speed = clock.speed
            await asyncio.sleep(min(HOLD_POLL_SECONDS, left / speed if speed else left))
        if self.sandbox.market is not market:
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        return replay


def _malformed(fault: FaultSpec, body: bytes) -> bytes:
    """The answer cut in half (unparseable), or, for a rewriting fault, edited as JSON."""
    if fault.rewrites:
        try:
            document = json.loads(body)
        except ValueError:
            pass
        else:
            return json.dumps(rewrite(document, fault)).encode()
    return body[: len(body) // 2] or b"{"
