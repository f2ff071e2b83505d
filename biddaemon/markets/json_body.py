"""A market's JSON answer, read defensively: size, depth and constants are limited.

Every platform client reads bodies through `load_json` (or `decode_json` for a successful
answer), so a hostile or broken answer is a `ValueError` or `BadMarketData` naming what was
wrong, never a `RecursionError`, a float `NaN` or a 1 GB allocation.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

import httpx

from biddaemon.errors import BadMarketData

MAX_JSON_BYTES = 16 * 1024 * 1024
"""The largest answer body parsed (far above any real one): a bigger one is bad market data."""
MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects accepted; Python's parser would raise
RecursionError somewhere near 1,000, and no market document nests more than a handful."""


def load_json(body: bytes | str) -> Any:
    """JSON text as Python values; ValueError (never RecursionError) for anything unusable.

    Refused: more than `MAX_JSON_BYTES`, nesting deeper than `MAX_JSON_DEPTH`, `NaN` and
    `Infinity` (not JSON, and not a quantity), text that is not UTF-8 JSON.
    """
    if len(body) > MAX_JSON_BYTES:
        raise ValueError(f"the body is larger than {MAX_JSON_BYTES} bytes")
    try:
        value = jsonlib.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # bad JSON, not UTF-8, NaN, an integer of over 4,300 digits
        raise ValueError(f"not JSON: {str(exc)[:200]}") from None
    _check_depth(value)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def decode_json(response: httpx.Response) -> Any:
    """The body of a successful answer as JSON, or BadMarketData saying it was not JSON."""
    try:
        return load_json(response.content)
    except ValueError as exc:
        path = response.request.url.raw_path.decode("ascii", "replace")
        raise BadMarketData(
            f"{response.request.method} {path}: the answer is not JSON "
            f"(status {response.status_code}: {exc})"
        ) from None


def error_body(response: httpx.Response) -> Any:
    """An error answer's body for describing it: its JSON, else its text (never raises)."""
    try:
        return load_json(response.content)
    except ValueError:
        return response.text.strip()[:2000]


def declared_json(response: httpx.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return not content_type or "json" in content_type
