"""How quantities and instants travel on the wire: decimal strings and UTC `Z` timestamps.

Every module that reads or writes JSON goes through these few functions, so MW always has 3
places, pounds 2, and no naive datetime or float ever reaches a payload.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

MW_PLACES = 3
MONEY_PLACES = 2

_DECIMAL_STRING = re.compile(r"^\d+(\.\d+)?$")
# `[D]THH:MM:SS`: an optional day count and `T`, then a time of day.
_RUNTIME = re.compile(r"^(?:(?P<days>\d+)T)?(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$")
_CLOCK_DURATION = re.compile(r"^(?P<h>\d{2,}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$")


def format_decimal(value: Decimal, places: int) -> str:
    """A decimal string with exactly `places` places (values are validated before they get here)."""
    return str(value.quantize(Decimal(1).scaleb(-places)))


def format_mw(value: Decimal) -> str:
    return format_decimal(value, MW_PLACES)


def format_money(value: Decimal) -> str:
    return format_decimal(value, MONEY_PLACES)


def format_optional_money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def format_timestamp(instant: datetime) -> str:
    """UTC with a `Z`, to the second; a naive datetime is a bug and is refused."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime refused: the sandbox only handles timezone-aware times")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp with an offset or `Z`, as an aware UTC datetime."""
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no offset; use UTC with Z")
    return instant.astimezone(UTC)


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_decimal_string(value: object, *, places: int, positive: bool = False) -> Decimal:
    """A JSON decimal string such as "1.500"; numbers, signs and exponents are refused.

    Raises ValueError with a message fit for a DRF-style field error.
    """
    if not isinstance(value, str):
        raise ValueError(f'must be a decimal string such as "1.{"5".ljust(places, "0")}"')
    if not _DECIMAL_STRING.match(value):
        raise ValueError(f"{value!r} is not a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes these
        raise ValueError(f"{value!r} is not a decimal string") from error
    if decimal_places(number) > places:
        raise ValueError(f"{value!r} has more than {places} decimal places")
    if positive and number <= 0:
        raise ValueError(f"{value!r} must be positive")
    return number


def parse_runtime(value: object) -> timedelta:
    """A bid's `max_runtime`, `[D]THH:MM:SS` ("1T01:30:00", "02:00:00"), positive."""
    match = _RUNTIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a duration [D]THH:MM:SS such as "1T01:30:00"')
    runtime = timedelta(
        days=int(match["days"] or 0),
        hours=int(match["h"]),
        minutes=int(match["m"]),
        seconds=int(match["s"]),
    )
    if runtime <= timedelta(0):
        raise ValueError(f"{value!r} must be a positive duration")
    return runtime


def check_clock_duration(value: object) -> str:
    """An asset duration field, `HH:MM:SS` (hours may exceed 23)."""
    if not isinstance(value, str) or not _CLOCK_DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration HH:MM:SS")
    return value
