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

from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from typing import Final

from biddaemon.strategy.snapshot import DAYS, Schedule

_DAY_SECONDS: Final = 24 * 3600
_WEEK_HOURS: Final = 7 * 24
_WEEKDAY: Final = {name: number for number, name in enumerate(DAYS)}
_SLOT: Final = 15 * 60  # service windows start and end on quarter hours, in practice
_WEEK_SLOTS: Final = 7 * _DAY_SECONDS // _SLOT
_ALL_SLOTS: Final = (1 << _WEEK_SLOTS) - 1
EVERY_WEEKDAY_SPAN: Final = 8  # days in common: every weekday meets every weekday +-1


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True, slots=True)
class Pattern:
    """A schedule in the form the overlap test needs, computed once per schedule."""

    first: int  # ordinal of the first start day
    last: int  # ordinal of the exclusive end day
    start: int  # seconds from the start day's midnight
    end: int  # seconds from the start day's midnight (past 86400 when crossing midnight)
    weekdays: frozenset[int]
    week_hours: frozenset[int]  # hours of the week (0 = Monday 00:00) it touches, for indexing
    week_slots: int  # bit i: quarter hour i of the week is covered; 0 when not on quarter hours


@lru_cache(maxsize=65536)
def pattern(schedule: Schedule) -> Pattern:
    start, end = _seconds(schedule.start_time), _seconds(schedule.end_time)
    if end <= start:
        end += _DAY_SECONDS
    weekdays = frozenset(_WEEKDAY[day] for day in schedule.days)
    hours = range(start // 3600, (end - 1) // 3600 + 1)
    slots = 0
    if start % _SLOT == 0 and end % _SLOT == 0:
        day_slots = ((1 << ((end - start) // _SLOT)) - 1) << (start // _SLOT)  # may pass 24:00
        for day in weekdays:
            shifted = day_slots << (day * _DAY_SECONDS // _SLOT)
            slots |= (shifted | (shifted >> _WEEK_SLOTS)) & _ALL_SLOTS  # Sunday wraps to Monday
    return Pattern(
        first=schedule.start_date.toordinal(),
        last=schedule.end_date.toordinal(),
        start=start,
        end=end,
        weekdays=weekdays,
        week_hours=frozenset((day * 24 + hour) % _WEEK_HOURS for day in weekdays for hour in hours),
        week_slots=slots,
    )


def _common_start_day(a: Pattern, b: Pattern, shift: int) -> bool:
    """Is there a day d on which `a` runs while `b` runs on d + `shift` days?"""
    first = max(a.first, b.first - shift)
    last = min(a.last, b.last - shift)  # exclusive
    if last <= first:
        return False
    if last - first >= 7:  # every weekday occurs
        return any((day + shift) % 7 in b.weekdays for day in a.weekdays)
    for ordinal in range(first, last):
        weekday = (ordinal - 1) % 7  # date.fromordinal(1) is a Monday
        if weekday in a.weekdays and (weekday + shift) % 7 in b.weekdays:
            return True
    return False


def patterns_overlap(a: Pattern, b: Pattern) -> bool:
    """True when some occurrence of `a` and some occurrence of `b` share a moment.

    Two overlapping occurrences share a wall-clock moment, which falls in one hour of the week
    that both patterns touch; so disjoint `week_hours` safely rule an overlap out (an index can
    use them to avoid testing most pairs at all).

    When the two share at least 8 days, every weekday of one meets every weekday of the other
    (and the days either side), so the answer is whether their weekly occurrences meet: for
    windows on quarter hours, one AND of their quarter-hour masks (the same answer as the day by
    day test below, which is kept for everything else).
    """
    if (
        a.week_slots
        and b.week_slots
        and min(a.last, b.last) - max(a.first, b.first) >= EVERY_WEEKDAY_SPAN
    ):
        return (a.week_slots & b.week_slots) != 0
    return patterns_overlap_day_by_day(a, b)


def patterns_overlap_day_by_day(a: Pattern, b: Pattern) -> bool:
    """`patterns_overlap` for any two patterns, by shifts of a day and common start days."""
    if a.last + 1 <= b.first or b.last + 1 <= a.first:  # a day apart at least: never
        return False
    for shift in (-1, 0, 1):  # b's occurrence starts `shift` days after a's
        offset = shift * _DAY_SECONDS
        if max(a.start, b.start + offset) < min(a.end, b.end + offset) and _common_start_day(
            a, b, shift
        ):
            return True
    return False


def schedules_overlap(a: Schedule, b: Schedule) -> bool:
    """True when some occurrence of `a` and some occurrence of `b` share a moment."""
    return patterns_overlap(pattern(a), pattern(b))
