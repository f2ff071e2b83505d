"""Column types that keep the project's two disciplines: exact decimals and UTC-aware datetimes.

`Amount(scale)` stores MW and money exactly: `NUMERIC(precision, scale)` on PostgreSQL, text on
SQLite (whose NUMERIC affinity would turn "1.100" into a float). A value with more places than
the column's scale, or too large for its precision, is refused rather than rounded (the rule
of `biddaemon.quantities`, which the market's wire models apply too): rounding is a business
decision (capacity is rounded down by the engine), never a side effect of storage.

`UTCDateTime` refuses naive datetimes and always returns aware UTC ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from biddaemon.quantities import check_places


class Amount(TypeDecorator[Decimal]):
    """An exact decimal with a fixed number of places (3 for MW/MWh, 2 for money)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 3) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"Amount columns take Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"Amount columns take finite decimals, not {value}")
        exact = check_places(value, self.scale, self.precision)  # the wire models' rule too
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime columns take datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
