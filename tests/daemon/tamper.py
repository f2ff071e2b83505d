"""A sandbox whose answers a test can rewrite: the market sending what its own code never would.

`TamperingSandbox.rewrite(pattern, change)` makes every later 2xx JSON answer to a path matching
`pattern` pass through `change(body) -> body` before it is sent; floats are written as JSON
numbers (e.g. 2.4000000000000004), so a test can send what a string-typed sandbox never does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import uvicorn

from biddaemon.sandbox import SandboxServer

Change = Callable[[Any], Any]
Message = dict[str, Any]


class TamperingSandbox(SandboxServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rewrites: list[tuple[re.Pattern[str], Change]] = []

    def rewrite(self, pattern: str, change: Change) -> None:
        self.rewrites.append((re.compile(pattern), change))

    def _uvicorn(self, *, foreground: bool) -> uvicorn.Server:
        server = super()._uvicorn(foreground=foreground)
        server.config.app = _Tamper(server.config.app, self)
        return server


class _Tamper:
    def __init__(self, app: Any, owner: TamperingSandbox) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Message, receive: Any, send: Any) -> Any:
        path = scope.get("path", "")
        changes = [c for p, c in self.owner.rewrites if scope["type"] == "http" and p.search(path)]
        if not changes:
            return await self.app(scope, receive, send)
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        result = await self.app(scope, receive, hold)
        if not start:
            return result  # dropped by a fault: nothing to rewrite
        content = bytes(body)
        if 200 <= int(start["status"]) < 300 and content:
            document = json.loads(content)
            for change in changes:
                document = change(document)
            content = json.dumps(document).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})
        return result
