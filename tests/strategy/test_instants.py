"""The sets of windows running at one instant, against a brute force: every 7.5 minutes of every
day, which windows run (this file's own reading of dates, weekdays and midnight), then the sets
no other contains. The vectorised version must find exactly those."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from biddaemon.strategy.portfolio.instants import maximal_rows, running_together
from biddaemon.strategy.snapshot import DAYS, Schedule

FIRST = date(2028, 3, 20)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    start = FIRST + timedelta(days=draw(st.integers(0, 12)))
    return Schedule(
        start,
        start + timedelta(days=draw(st.integers(1, 12))),
        time(*divmod(draw(st.integers(0, 95)) * 15, 60)),
        time(*divmod(draw(st.integers(0, 95)) * 15, 60)),
        frozenset(draw(st.sets(st.sampled_from(DAYS), min_size=1))),
    )


def brute_force(windows: list[Schedule]) -> set[frozenset[int]]:
    found: set[frozenset[int]] = set()
    moment = datetime.combine(FIRST, time(0))
    while moment < datetime.combine(FIRST + timedelta(days=26), time(0)):
        running = frozenset(n for n, s in enumerate(windows) if _runs(s, moment))
        if running:
            found.add(running)
        moment += timedelta(minutes=7.5)
    return {s for s in found if not any(s < other for other in found)}


def _runs(schedule: Schedule, moment: datetime) -> bool:
    for days_back in (0, 1):
        day = moment.date() - timedelta(days=days_back)
        if not (schedule.start_date <= day < schedule.end_date):
            continue
        if DAYS[day.weekday()] not in schedule.days:
            continue
        begin = datetime.combine(day, schedule.start_time)
        end_day = day + timedelta(days=1) if schedule.crosses_midnight else day
        if begin <= moment < datetime.combine(end_day, schedule.end_time):
            return True
    return False


@settings(max_examples=80, deadline=None)
@given(st.lists(schedules(), min_size=1, max_size=7))
def test_the_largest_sets_running_together_are_those_of_a_brute_force(
    windows: list[Schedule],
) -> None:
    sets = running_together(windows)
    largest = sets[maximal_rows(sets)]
    assert {frozenset(np.flatnonzero(row).tolist()) for row in largest} == brute_force(windows)
