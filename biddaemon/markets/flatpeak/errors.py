"""The one place a failed Flatpeak exchange becomes a biddaemon error.

Flatpeak answers `{"object": "error", "type", "code", "message"}` (older endpoints only
`{"message"}`); `describe_error` reads both. A refused login is `CredentialsRefused`; `429`
(`rate_limit`, with `Retry-After`) and everything else follow the shared rules of
`biddaemon.markets.failures.map_failure`.
"""

from __future__ import annotations

from typing import Any

import httpx

from biddaemon.errors import BiddaemonError, CredentialsRefused
from biddaemon.markets.failures import Failure, map_failure
from biddaemon.markets.json_body import load_json

LOGIN = "/login"
CREDENTIAL_VARIABLES = (
    "BIDDAEMON_INVENTORY__FLATPEAK__ACCOUNT_ID and BIDDAEMON_INVENTORY__FLATPEAK__API_KEY"
)
MAX_DETAIL_CHARS = 300


def describe_error(response: httpx.Response) -> str:
    """Flatpeak's explanation as one line: `type/code: message`, or the bare `message`."""
    try:
        body: Any = load_json(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        kind = "/".join(
            str(body[key]) for key in ("type", "code") if isinstance(body.get(key), str)
        )
        text = f"{kind}: {body['message']}" if kind else body["message"]
        return text[:MAX_DETAIL_CHARS]
    text = response.text.strip()[:MAX_DETAIL_CHARS]
    return text or f"{response.status_code} {response.reason_phrase}".strip()


def to_biddaemon_error(failure: Failure) -> BiddaemonError:
    """Map one failed Flatpeak exchange; every Flatpeak call fails through here."""
    if failure.path == LOGIN and failure.status_code in (400, 401, 403):
        return CredentialsRefused(
            f"Flatpeak refused the login ({failure.status_code}: {failure.detail}); check "
            f"{CREDENTIAL_VARIABLES}"
        )
    if failure.status_code in (401, 403) and failure.reauthenticated:
        return CredentialsRefused(
            f"Flatpeak refused a fresh token ({failure.where}: {failure.detail}); check "
            f"{CREDENTIAL_VARIABLES}"
        )
    return map_failure(failure)
