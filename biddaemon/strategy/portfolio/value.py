"""What an accepted MW in a window is worth to the portfolio: the demo's and dashboard's value.

The one definition of an accepted bid's value is `biddaemon.bidding.value` (the demo's summary,
the dashboard, the backtest and its limit): availability pays its rate (GBP/MW/h) over every hour
the window runs in its service period, plus the service fee (GBP/MW) once; utilisation pays only
when dispatched, which nothing here knows about, so it is left out. A strategy may not import
`bidding`, so the same arithmetic is here (a test holds the two equal).

- `window_hours`: the days in [start_date, end_date) on one of the window's weekdays, times the
  length of one occurrence on the GB wall clock (an end at or before the start crosses
  midnight; equal times are 24 hours). Bank holidays count as running days, as there.
- `accepted_value_per_mw`: that value for one MW.
- `value_per_mw`: what the programme maximises per accepted MW: exactly that value. A
  utilisation-only window is worth nothing here, so the programme does not offer into it (a level
  worth nothing gets no MW). It once carried a token (a ten-thousandth of rate x hours) so that
  spare capacity went there; but an accepted utilisation bid holds its MW for the whole service
  period, and a spare MW this cycle is often one a later availability competition would have
  paid for: on the 30-day backtest (seed 1) the token cost 1.6 points of the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from biddaemon.strategy.snapshot import DAYS, Schedule

_SECONDS_PER_HOUR = Decimal(3600)


def occurrence_hours(schedule: Schedule) -> Decimal:
    """The length of one occurrence, in hours."""
    start = schedule.start_time.hour * 3600 + schedule.start_time.minute * 60
    start += schedule.start_time.second
    end = schedule.end_time.hour * 3600 + schedule.end_time.minute * 60 + schedule.end_time.second
    if end <= start:
        end += 24 * 3600
    return Decimal(end - start) / _SECONDS_PER_HOUR


def running_days(schedule: Schedule) -> int:
    """How many days of [start_date, end_date) fall on one of the schedule's weekdays."""
    weekdays = {DAYS.index(day) for day in schedule.days}
    total = (schedule.end_date - schedule.start_date).days
    weeks, rest = divmod(total, 7)
    count = weeks * len(weekdays)
    first = schedule.start_date + timedelta(days=weeks * 7)
    count += sum(1 for n in range(rest) if (first + timedelta(days=n)).weekday() in weekdays)
    return count


def window_hours(schedule: Schedule) -> Decimal:
    """Hours the window runs over its whole service period (module docstring)."""
    return occurrence_hours(schedule) * running_days(schedule)


def accepted_value_per_mw(rates: Mapping[str, Decimal], hours: Decimal) -> Decimal:
    """GBP one accepted MW earns at `rates` over `hours`: availability x hours + service fee."""
    value = Decimal(0)
    if (availability := rates.get("availability")) is not None:
        value += availability * hours
    if (fee := rates.get("service_fee")) is not None:
        value += fee
    return value


def value_per_mw(rates: Mapping[str, Decimal], hours: Decimal) -> Decimal:
    """What the programme maximises per accepted MW (module docstring)."""
    return accepted_value_per_mw(rates, hours)
