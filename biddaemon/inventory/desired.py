"""What every platform mapping produces: the desired record, and notes on what it leaves out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from biddaemon.inventory.canonical import Platform
from biddaemon.markets.localflex.durations import format_iso_duration


@dataclass(frozen=True)
class Note:
    """A value the platform cannot hold as the inventory has it (left out, or approximated)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Desired:
    """One record as it should be on one platform.

    `kind` is the platform's noun (`flex_asset`, `planned_asset`, `asset`, `portfolio`,
    `device`); `key` the id the record will have when the client chooses it (LocalFlex mrids);
    `fields` the platform's field names with comparable values (Decimal in the platform's unit,
    timedelta, text, booleans, frozensets for unordered lists). When `unsupported` is set the
    platform cannot take the record at all, and it says why.
    """

    platform: Platform
    kind: str
    ref: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    unsupported: str | None = None
    key: str | None = None
    inventory_asset: bool = True  # False for records that are not assets (LocalFlex portfolios)

    def fingerprint(self) -> str:
        """A hash of the desired fields: what was last applied, for the record."""
        document = self.as_json()
        text = json.dumps([self.kind, document], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def as_json(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """The fields (or those named) in JSON form: what is remembered as last written."""
        chosen = sorted(self.fields) if names is None else names
        return {name: as_json(self.fields[name]) for name in chosen}


def same_value(current: Any, desired: Any) -> bool:
    """Equal as the platform means it: decimals by value (2 == 2.000), sets by members."""
    if isinstance(current, Decimal) and isinstance(desired, Decimal):
        return current == desired
    if isinstance(current, tuple | list) and isinstance(desired, frozenset):
        return frozenset(current) == desired
    return bool(current == desired)


def as_json(value: Any) -> Any:
    """A field value as JSON (how the last written value is stored and compared)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, timedelta):
        return format_iso_duration(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(str(item) for item in value)
    if isinstance(value, tuple):
        return [as_json(item) for item in value]
    return value
