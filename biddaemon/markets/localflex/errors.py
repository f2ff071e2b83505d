"""The one place a failed LocalFlex exchange becomes a biddaemon error.

LocalFlex wraps every answer in `{"result", "status", "code"}` and its documented 401 and 403
examples say `"status": true`, so `status` decides nothing: the HTTP status and the body's `code`
do, whichever reports an error. `401` and `403` mean the configured token is refused (there is no
login to repeat); `422` carries `loc`/`msg`/`type` items under `result` or `detail`, flattened
into one line. Everything else follows `biddaemon.markets.failures.map_failure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from biddaemon.errors import (
    AmbiguousSubmission,
    BiddaemonError,
    CredentialsRefused,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.markets.failures import Failure, map_failure
from biddaemon.markets.json_body import load_json

TOKEN_VARIABLE = "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN"  # noqa: S105 (a variable name)
MAX_DETAIL_CHARS = 500


def body_code(body: Any) -> int | None:
    """The envelope's `code`, when it is an integer."""
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def describe_body(body: Any) -> str:
    """LocalFlex's explanation in one line: a `result` text, or validation items."""
    if isinstance(body, dict):
        for key in ("result", "detail", "message"):
            text = _flatten(body.get(key))
            if text:
                return text[:MAX_DETAIL_CHARS]
    if isinstance(body, str):
        return body.strip()[:MAX_DETAIL_CHARS]
    return ""


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return "; ".join(text for text in (_item(item) for item in value) if text)
    if isinstance(value, dict):
        return _item(value)
    return ""


def _item(item: Any) -> str:
    if isinstance(item, dict) and "msg" in item:
        loc = item.get("loc")
        parts = [str(p) for p in loc if p != "body"] if isinstance(loc, list) else []
        where = ".".join(parts)
        return f"{where}: {item['msg']}" if where else str(item["msg"])
    if isinstance(item, str):
        return item
    return ""


def describe_error(response: httpx.Response) -> str:
    try:
        body: Any = load_json(response.content)
    except ValueError:
        body = response.text
    return describe_body(body) or f"{response.status_code} {response.reason_phrase}".strip()


def error_for_code(
    code: int,
    detail: str,
    *,
    method: str,
    path: str,
    write: bool,
    sent: Mapping[str, Any] | None = None,
) -> BiddaemonError:
    """What an error `code` in a successful HTTP answer means (the body says it failed)."""
    where = f"{method} {path}"
    if code in (401, 403):
        return _refused(code, detail)
    if code >= 500:
        if write:
            return AmbiguousSubmission(
                f"{where}: outcome unknown (LocalFlex answered code {code}: {detail}); read the "
                "asset before sending anything else",
                sent=sent,
            )
        return RetryLater(f"{where}: LocalFlex answered code {code}: {detail}")
    return RejectedByMarket(code, detail, method=method, path=path)


def _refused(code: int, detail: str) -> CredentialsRefused:
    what = "refused the token" if code == 401 else "does not allow this token to do that"
    return CredentialsRefused(f"LocalFlex {what} ({code}: {detail}); check {TOKEN_VARIABLE}")


def to_biddaemon_error(failure: Failure) -> BiddaemonError:
    """Map one failed LocalFlex exchange; every LocalFlex call fails through here."""
    status = failure.status_code
    if status in (401, 403):
        return _refused(status, failure.detail)
    return map_failure(failure)
