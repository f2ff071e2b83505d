"""What an accepted bid is worth: one definition, used by the demo's summary and the dashboard.

Availability pays over every window hour of the service period, plus any service fee;
utilisation pays only when dispatched, which nothing here knows about, so it is left out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from decimal import Decimal

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def window_hours(
    start_time: time, end_time: time, days: Collection[str], start_date: date, end_date: date
) -> Decimal:
    """Hours a window runs over a service period (`end_date` exclusive; past midnight wraps)."""
    start = datetime.combine(date.min, start_time)
    end = datetime.combine(date.min, end_time)
    length = end - start if end > start else end + timedelta(days=1) - start
    count = sum(
        1
        for offset in range((end_date - start_date).days)
        if DAY_NAMES[(start_date + timedelta(days=offset)).weekday()] in days
    )
    return Decimal(count) * Decimal(int(length.total_seconds())) / Decimal(3600)


def accepted_value(
    capacity: Decimal,
    availability_rate: Decimal | None,
    service_fee_rate: Decimal | None,
    hours: Decimal,
) -> Decimal:
    """Availability (£/MW/h) over `hours`, plus the service fee (£/MW), for `capacity` MW."""
    value = Decimal(0)
    if availability_rate is not None:
        value += capacity * availability_rate * hours
    if service_fee_rate is not None:
        value += capacity * service_fee_rate
    return value
