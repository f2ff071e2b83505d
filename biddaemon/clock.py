"""The one way biddaemon reads the time: aware UTC, so naive datetimes never enter the system."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Refuse a naive datetime at a boundary; return it converted to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no timezone offset")
    return value.astimezone(UTC)
