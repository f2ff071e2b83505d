"""What a string from a market must be before the daemon stores it or puts it in a URL.

PostgreSQL refuses NUL in text and JSON, and no database driver can encode a lone surrogate
(which `json.loads` happily returns for `"\\ud800"`), so such a string would fail the
transaction that stores it, far from the payload that carried it. Ids are also used as one path
segment of later calls and fill `String(64)` columns: they are 1..64 characters of a safe set.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_ID_CHARS = 64
"""The `String(64)` id columns."""
MAX_REFERENCE_CHARS = 128
MAX_NAME_CHARS = 256
MAX_TEXT_CHARS = 2000
MAX_TOKEN_CHARS = 8192

_MARKET_ID = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~:-]*")
"""RFC 3986 unreserved characters (and `:`), never starting with a dot (`.`, `..` as a path
segment would walk up the path)."""
_TOKEN = re.compile(r"[!-~]+")
"""Printable ASCII without spaces: what an `Authorization` header value can carry."""


def storable_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain a lone surrogate (not valid Unicode)"
    return None


def storable(text: str) -> str:
    """`text` with NUL and lone surrogates escaped (`\\x00`, `\\ud800`): safe to store and log.

    For the market's own explanations (an error body), which are recorded, not refused.
    """
    if storable_problem(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def check_text(max_chars: int) -> Callable[[str], str]:
    """A validator: storable text of at most `max_chars` characters."""

    def check(value: str) -> str:
        if len(value) > max_chars:
            raise ValueError(f"must be at most {max_chars} characters, not {len(value)}")
        problem = storable_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


def is_market_id(value: object) -> bool:
    """Whether `value` is an id `check_market_id` accepts."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_CHARS
        and _MARKET_ID.fullmatch(value) is not None
    )


def check_market_id(value: str) -> str:
    """An id: 1..64 characters of letters, digits and `-._~:`, not starting with a dot."""
    if not value:
        raise ValueError("an id must not be empty")
    if len(value) > MAX_ID_CHARS:
        raise ValueError(f"an id must be at most {MAX_ID_CHARS} characters, not {len(value)}")
    if _MARKET_ID.fullmatch(value) is None:
        raise ValueError("an id may only contain letters, digits and - . _ ~ :")
    return value


def check_token(value: str) -> str:
    """A bearer token: printable ASCII without spaces, at most 8,192 characters."""
    if not value or len(value) > MAX_TOKEN_CHARS or _TOKEN.fullmatch(value) is None:
        raise ValueError(
            f"a token must be 1..{MAX_TOKEN_CHARS} printable ASCII characters without spaces"
        )
    return value
