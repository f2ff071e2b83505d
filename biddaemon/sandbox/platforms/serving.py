"""The stand-ins on the sandbox's server: one ASGI app that sends `/localflex/...`,
`/flatpeak/...` and `/tensor/...` through the sandbox's gateway (its fault plan and request
log, as for the market) to the current stand-in, which sees its own root (prefix removed);
everything else goes to the Piclo market."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from biddaemon.sandbox.gateway import Gateway
from biddaemon.sandbox.platforms.tensor import PREFIX as TENSOR_ROOT
from biddaemon.sandbox.runtime import Sandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[Any]]

# Where each stand-in is served; a client's base URL is the server's URL plus its base path
# (Tensor's API root is `/v1` below its prefix).
PREFIXES = {"localflex": "/localflex", "flatpeak": "/flatpeak", "tensor": "/tensor"}
BASE_PATHS = {"localflex": "/localflex", "flatpeak": "/flatpeak", "tensor": "/tensor" + TENSOR_ROOT}


def base_urls(server_url: str) -> dict[str, str]:
    """Each stand-in's base URL on a sandbox served at `server_url`."""
    return {name: server_url.rstrip("/") + path for name, path in BASE_PATHS.items()}


def serve_beside(market: ASGIApp, sandbox: Sandbox) -> ASGIApp:
    """`market` with the sandbox's stand-ins served under their prefixes."""

    async def app(scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "http":
            path = scope.get("path", "")
            for name, prefix in PREFIXES.items():
                if path == prefix or path.startswith(prefix + "/"):
                    return await _through_gateway(name, prefix, scope, receive, send, sandbox)
        return await market(scope, receive, send)

    return app


async def _through_gateway(
    name: str, prefix: str, scope: Scope, receive: Receive, send: Send, sandbox: Sandbox
) -> Any:
    standin = sandbox.platforms.app_for(name)

    async def unprefixed(inner: Scope, receive: Receive, send: Send) -> None:
        stripped = dict(inner)
        stripped["path"] = inner["path"][len(prefix) :] or "/"
        stripped["root_path"] = ""
        raw = inner.get("raw_path")
        if isinstance(raw, bytes) and raw.startswith(prefix.encode()):
            stripped["raw_path"] = raw[len(prefix) :] or b"/"
        await standin(stripped, receive, send)

    # The gateway names the operation by matching the stand-in's routes below `root_path`,
    # and logs the full path.
    outer = dict(scope)
    outer["root_path"] = scope.get("root_path", "") + prefix
    return await Gateway(unprefixed, standin.router, sandbox)(outer, receive, send)
