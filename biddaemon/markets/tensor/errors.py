"""The one place a failed Tensor Energy exchange becomes a biddaemon error.

Tensor documents its errors by `error.code` in the `{data, error}` envelope, not by HTTP status,
so the code decides: `not_authorized` is a refused API key, `internal_server_error` temporary
trouble, `invalid_query_parameter` and `resource_not_found` a refusal to take as is. Only a
`429` (the hourly request budget) and answers without an envelope fall back on the shared rules
of `biddaemon.markets.failures.map_failure`.
"""

from __future__ import annotations

from typing import Any

import httpx

from biddaemon.errors import (
    BadMarketData,
    BiddaemonError,
    CredentialsRefused,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.markets.failures import Failure, map_failure
from biddaemon.markets.json_body import load_json
from biddaemon.markets.tensor.models import ErrorCode, TensorError

API_KEY_VARIABLE = "BIDDAEMON_INVENTORY__TENSOR__API_KEY"
MAX_DETAIL_CHARS = 300


def envelope_error(body: Any) -> TensorError | None:
    """The `error` of an envelope, or None when the body is not an error envelope."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    message, code = error.get("message"), error.get("code")
    if not isinstance(message, str) or not isinstance(code, str):
        return None
    return TensorError(message=message[:MAX_DETAIL_CHARS], code=code)


def describe_error(response: httpx.Response) -> str:
    """Tensor's explanation: `code: message` from the envelope, else the body's text."""
    try:
        body: Any = load_json(response.content)
    except ValueError:
        body = None
    error = envelope_error(body)
    if error is not None:
        return f"{error.code}: {error.message}"
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str):
        return message[:MAX_DETAIL_CHARS]
    text = response.text.strip()[:MAX_DETAIL_CHARS]
    return text or f"{response.status_code} {response.reason_phrase}".strip()


def error_for(error: TensorError, *, method: str, path: str, status: int | None) -> BiddaemonError:
    """What an error envelope means for the caller, by its code."""
    where = f"{method} {path}"
    text = f"{error.code}: {error.message}"
    code = error.known_code
    if code is ErrorCode.NOT_AUTHORIZED:
        return CredentialsRefused(
            f"Tensor Energy refused the API key ({where}: {text}); check {API_KEY_VARIABLE}"
        )
    if code is ErrorCode.INTERNAL_SERVER_ERROR:
        return RetryLater(f"Tensor Energy {where}: {text}")
    if code is ErrorCode.INVALID_QUERY_PARAMETER:
        return RejectedByMarket(status or 400, text, method=method, path=path)
    if code is ErrorCode.RESOURCE_NOT_FOUND:
        return RejectedByMarket(404, text, method=method, path=path)
    return BadMarketData(f"Tensor Energy {where}: unknown error code ({text})", field="error.code")


def to_biddaemon_error(failure: Failure) -> BiddaemonError:
    """Map one failed Tensor exchange; every Tensor call fails through here."""
    if failure.response is not None and failure.status_code != 429:
        try:
            body: Any = load_json(failure.response.content)
        except ValueError:
            body = None
        error = envelope_error(body)
        if error is not None:
            return error_for(
                error, method=failure.method, path=failure.path, status=failure.status_code
            )
    return map_failure(failure)
