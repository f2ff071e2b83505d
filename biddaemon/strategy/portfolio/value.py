"""What an accepted MW in a window is worth: price x hours the window runs, one definition.

The portfolio strategy maximises it (times the probability of acceptance) and the backtest sums
it over accepted bids, so both use these functions.

- `window_hours`: the hours the window runs over its service period: the days in
  [start_date, end_date) on one of its weekdays, times the length of one occurrence on the GB
  wall clock (an end at or before the start crosses midnight; equal times are 24 hours). Bank
  holidays are counted as running days: there is no bank-holiday calendar in the snapshot, and
  the difference is a day or two a year.
- `value_per_mw`: the bid's rates summed, times the hours. For every competition type the same
  rule: `availability` (GBP/MW/h held available), `utilisation` (GBP/MWh, valued as if the whole
  window were delivered: the most it can earn), `availability_utilisation` (both rates, so the
  availability payment plus the most the utilisation could earn) and `service_fee` (GBP/MW/h).
  Utilisation is an upper bound: the sandbox does not dispatch, so there is no better estimate
  of how much of a window is called.
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


def value_per_mw(rates: Mapping[str, Decimal], hours: Decimal) -> Decimal:
    """GBP an accepted MW earns at `rates` over `hours` (module docstring)."""
    return sum(rates.values(), Decimal(0)) * hours
