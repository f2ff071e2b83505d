"""The stand-ins on the sandbox's server: one ASGI app that sends `/localflex/...`,
`/flatpeak/...` and `/tensor/...` through the sandbox's gateway (its fault plan and request
log, as for the market) to the current stand-in, which sees its own root (prefix removed);
everything else goes to the Piclo market.

Beside the market's admin API, `POST /_sandbox/platforms/tensor/assets` puts a plant (a
documented Tensor asset object) into the Tensor workspace, as if someone had registered it
there (Tensor's own API cannot create assets); loopback only, like the rest of `/_sandbox/`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from biddaemon.sandbox.config import is_loopback
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
SEED_TENSOR = "/_sandbox/platforms/tensor/assets"
BASE_PATHS = {"localflex": "/localflex", "flatpeak": "/flatpeak", "tensor": "/tensor" + TENSOR_ROOT}


def base_urls(server_url: str) -> dict[str, str]:
    """Each stand-in's base URL on a sandbox served at `server_url`."""
    return {name: server_url.rstrip("/") + path for name, path in BASE_PATHS.items()}


def serve_beside(market: ASGIApp, sandbox: Sandbox) -> ASGIApp:
    """`market` with the sandbox's stand-ins served under their prefixes."""

    async def app(scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path == SEED_TENSOR:
                return await _seed_tensor(scope, receive, send, sandbox)
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


async def _seed_tensor(scope: Scope, receive: Receive, send: Send, sandbox: Sandbox) -> None:
    client = scope.get("client")
    if client is None or not is_loopback(client[0]):
        await _answer(send, 403, {"detail": "The sandbox admin API only answers loopback clients."})
        return
    if scope["method"] == "GET":
        await _answer(send, 200, sandbox.platforms.tensor.assets())
        return
    if scope["method"] != "POST":
        await _answer(send, 405, {"detail": "POST an asset, or GET the workspace"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        await _answer(send, 400, {"detail": "send one Tensor asset object with its id"})
        return
    sandbox.platforms.tensor.add_asset(document)
    await _answer(send, 201, document)


async def _answer(send: Send, status: int, document: Any) -> None:
    body = json.dumps(document).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
