"""The one place a failed Piclo Flex exchange becomes a biddaemon error.

Piclo runs Django REST Framework, so an error body is `{"detail": "..."}`, field errors
`{"field": ["message", ...]}` (nested for lists of objects) or `{"non_field_errors": [...]}`.
`describe_error` flattens any of these into one line an operator can read; `to_biddaemon_error`
adds Piclo's own rule (a refused login is `CredentialsRefused`) to the shared rules in
`biddaemon.markets.failures.map_failure`.
"""

from __future__ import annotations

from typing import Any

import httpx

from biddaemon.errors import BiddaemonError, CredentialsRefused
from biddaemon.markets.failures import Failure, map_failure
from biddaemon.markets.json_body import load_json
from biddaemon.markets.piclo import routes

MAX_DETAIL_CHARS = 500
_GENERAL_KEYS = ("detail", "non_field_errors", "message", "error")


def describe_error(response: httpx.Response) -> str:
    """The market's explanation of an error response as readable text (never empty)."""
    try:
        body: Any = load_json(response.content)
    except ValueError:
        body = response.text.strip()
    messages = _flatten(body, "")
    text = "; ".join(message for message in messages if message)
    if not text:
        text = f"{response.status_code} {response.reason_phrase}".strip()
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


def _flatten(value: Any, where: str) -> list[str]:
    prefix = f"{where}: " if where else ""
    if value is None or value == "":
        return []
    if isinstance(value, str | int | float | bool):
        return [f"{prefix}{value}"]
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [f"{prefix}{item}" for item in value if item is not None]
        found: list[str] = []
        for index, item in enumerate(value):
            found.extend(_flatten(item, f"{where}[{index}]" if where else f"[{index}]"))
        return found
    if isinstance(value, dict):
        found = []
        general = [key for key in _GENERAL_KEYS if key in value]
        for key in general:
            found.extend(_flatten(value[key], where))
        for key, item in value.items():
            if key in general:
                continue
            found.extend(_flatten(item, f"{where}.{key}" if where else str(key)))
        return found
    return [f"{prefix}{value}"]


def to_biddaemon_error(failure: Failure) -> BiddaemonError:
    """Map one failed Piclo exchange; every Piclo call fails through here."""
    status = failure.status_code
    if failure.path == routes.AUTH_TOKEN and status in (400, 401, 403):
        return CredentialsRefused(
            f"Piclo Flex refused the login ({status}: {failure.detail}); check "
            "BIDDAEMON_PICLO__CLIENT_ID and BIDDAEMON_PICLO__API_KEY"
        )
    return map_failure(failure)
