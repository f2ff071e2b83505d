"""The one way biddaemon reads the time: aware UTC, so naive datetimes never enter the system.

`use_clock` swaps the source for the whole process; only `biddaemon demo` does that, to follow
the sandbox market's fast simulated clock. Tests use freezegun, which `datetime.now` obeys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Clock = _system_now


def utcnow() -> datetime:
    return _source()


def use_clock(source: Clock | None) -> None:
    """Read the time from `source` from now on (None: the system clock again)."""
    global _source
    _source = source or _system_now


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Refuse a naive datetime at a boundary; return it converted to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no timezone offset")
    return value.astimezone(UTC)
