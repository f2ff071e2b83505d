"""Do two recurring windows ever run at the same time? Compared on the GB (Europe/London) clock.

Service-window times are GB local, so two windows "17:00-19:00" overlap on every common day,
whatever the season: the comparison is on the local wall clock, not on UTC offsets that change
with daylight saving. A window with `end_time <= start_time` crosses midnight (equal times: a
whole day), so an occurrence can reach into the next day; occurrences of two windows can only
meet when they start on the same day or on neighbouring days.

On the two days a year when the wall clock jumps, this errs on the safe side: a time that does not
exist in spring, or the repeated hour in autumn, still counts as overlapping. Bank holidays are
ignored (a window that excludes them still counts as running), for the same reason: saying two
windows overlap when they do not can only leave capacity unused; the opposite would promise the
same megawatt twice.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import lru_cache
from typing import Final

from biddaemon.strategy.snapshot import DAYS, Schedule

_DAY_SECONDS: Final = 24 * 3600
_WEEKDAY: Final = {name: number for number, name in enumerate(DAYS)}


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _span(schedule: Schedule) -> tuple[int, int]:
    """An occurrence as seconds from the local midnight of the day it starts."""
    start, end = _seconds(schedule.start_time), _seconds(schedule.end_time)
    return (start, end + _DAY_SECONDS) if end <= start else (start, end)


def _weekdays(schedule: Schedule) -> frozenset[int]:
    return frozenset(_WEEKDAY[day] for day in schedule.days)


def _common_start_day(a: Schedule, b: Schedule, shift: int) -> bool:
    """Is there a day d on which `a` runs while `b` runs on d + `shift` days?"""
    first = max(a.start_date, b.start_date - timedelta(days=shift))
    last = min(a.end_date, b.end_date - timedelta(days=shift))  # exclusive
    if last <= first:
        return False
    days_a, days_b = _weekdays(a), _weekdays(b)
    if (last - first).days >= 7:  # every weekday occurs
        return any((day + shift) % 7 in days_b for day in days_a)
    day: date = first
    while day < last:
        weekday = day.weekday()
        if weekday in days_a and (weekday + shift) % 7 in days_b:
            return True
        day += timedelta(days=1)
    return False


@lru_cache(maxsize=65536)
def schedules_overlap(a: Schedule, b: Schedule) -> bool:
    """True when some occurrence of `a` and some occurrence of `b` share a moment."""
    a_start, a_end = _span(a)
    b_start, b_end = _span(b)
    for shift in (-1, 0, 1):  # b's occurrence starts `shift` days after a's
        offset = shift * _DAY_SECONDS
        if max(a_start, b_start + offset) < min(a_end, b_end + offset) and _common_start_day(
            a, b, shift
        ):
            return True
    return False
