"""Window overlap on the GB wall clock: dates (end exclusive), days of week, times, midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biddaemon.bidding.overlap import (
    pattern,
    patterns_overlap,
    patterns_overlap_day_by_day,
    schedules_overlap,
)
from biddaemon.strategy.snapshot import DAYS, Schedule

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})


def sched(
    start: str,
    end: str,
    days: frozenset[str] = WEEKDAYS,
    dates: tuple[date, date] = (date(2027, 11, 1), date(2028, 3, 1)),
) -> Schedule:
    return Schedule(dates[0], dates[1], time.fromisoformat(start), time.fromisoformat(end), days)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (sched("16:00", "19:00"), sched("18:59", "20:00"), True),
        (sched("16:00", "19:00"), sched("19:00", "20:00"), False),  # end is exclusive
        (sched("16:00", "19:00"), sched("12:00", "16:00"), False),
        (sched("16:00", "19:00"), sched("12:00", "16:00:01"), True),
        (sched("16:00", "19:00"), sched("16:00", "19:00", frozenset({"sat", "sun"})), False),
        (sched("16:00", "19:00"), sched("16:00", "19:00", frozenset({"fri", "sat"})), True),
        # crossing midnight: Friday 22:00 to Saturday 02:00 meets a Saturday 01:00 window
        (
            sched("22:00", "02:00", frozenset({"fri"})),
            sched("01:00", "03:00", frozenset({"sat"})),
            True,
        ),
        (
            sched("22:00", "02:00", frozenset({"fri"})),
            sched("02:00", "03:00", frozenset({"sat"})),
            False,
        ),
        (
            sched("22:00", "02:00", frozenset({"sun"})),
            sched("00:00", "00:30", frozenset({"mon"})),
            True,  # Sunday night spills into Monday: the week wraps
        ),
        # equal start and end: a whole day from that time
        (
            sched("06:00", "06:00", frozenset({"mon"})),
            sched("05:59", "06:00", frozenset({"tue"})),
            True,
        ),
        (
            sched("06:00", "06:00", frozenset({"mon"})),
            sched("06:00", "07:00", frozenset({"tue"})),
            False,
        ),
    ],
)
def test_times_of_day_and_days_of_week(a: Schedule, b: Schedule, overlap: bool) -> None:
    assert schedules_overlap(a, b) is overlap
    assert schedules_overlap(b, a) is overlap


@pytest.mark.parametrize(
    ("b_dates", "overlap"),
    [
        ((date(2028, 2, 29), date(2028, 4, 1)), True),  # 29 Feb 2028 is a Tuesday
        ((date(2028, 3, 1), date(2028, 4, 1)), False),  # starts on a's exclusive end date
        ((date(2027, 10, 1), date(2027, 11, 1)), False),  # ends (exclusive) on a's start
        ((date(2027, 10, 1), date(2027, 11, 2)), True),
    ],
)
def test_service_period_dates_with_an_exclusive_end(
    b_dates: tuple[date, date], overlap: bool
) -> None:
    a = sched("16:00", "19:00")
    assert schedules_overlap(a, sched("16:00", "19:00", dates=b_dates)) is overlap


def test_a_midnight_window_on_the_last_day_reaches_past_the_end_date() -> None:
    last_night = sched("23:00", "01:00", frozenset(DAYS), (date(2028, 2, 28), date(2028, 3, 1)))
    next_morning = sched("00:00", "00:30", frozenset(DAYS), (date(2028, 3, 1), date(2028, 3, 2)))
    assert schedules_overlap(last_night, next_morning)


def test_short_periods_only_count_the_weekdays_they_contain() -> None:
    monday_only = sched("16:00", "19:00", WEEKDAYS, (date(2027, 11, 1), date(2027, 11, 2)))
    tuesday_only = sched("16:00", "19:00", WEEKDAYS, (date(2027, 11, 2), date(2027, 11, 3)))
    assert not schedules_overlap(monday_only, tuesday_only)


def test_local_times_are_compared_as_local_times_across_a_clock_change() -> None:
    """17:00-19:00 London is 17:00Z before 26 March 2028 and 16:00Z after: one local window."""
    across = (date(2028, 3, 20), date(2028, 4, 10))
    summer = (date(2028, 3, 27), date(2028, 4, 10))
    assert schedules_overlap(
        sched("17:00", "19:00", dates=across), sched("18:00", "18:30", dates=summer)
    )
    # In summer 17:00 London is 16:00Z; comparing one side in UTC would wrongly see an overlap.
    assert not schedules_overlap(
        sched("17:00", "19:00", dates=summer), sched("16:00", "17:00", dates=summer)
    )


# --------------------------------------------------------------------------------------------
# Against brute force over every day


def _occurrences(s: Schedule) -> list[tuple[datetime, datetime]]:
    """Each occurrence as naive GB wall-clock datetimes."""
    found = []
    day = s.start_date
    while day < s.end_date:
        if DAYS[day.weekday()] in s.days:
            start = datetime.combine(day, s.start_time)
            end_day = day + timedelta(days=1) if s.end_time <= s.start_time else day
            found.append((start, datetime.combine(end_day, s.end_time)))
        day += timedelta(days=1)
    return found


def _to_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=LONDON).astimezone(UTC)


def _meet(a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]) -> bool:
    return any(max(s1, s2) < min(e1, e2) for s1, e1 in a for s2, e2 in b)


times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
# Around the 2028 spring clock change (26 March) and the autumn one (29 October).
starts = st.sampled_from([date(2028, 3, 20), date(2028, 10, 24)]).flatmap(
    lambda base: st.integers(0, 10).map(lambda n: base + timedelta(days=n))
)
schedules = st.builds(
    lambda start, length, t1, t2, days: Schedule(
        start, start + timedelta(days=length), t1, t2, frozenset(days)
    ),
    starts,
    st.integers(1, 9),
    times,
    times,
    st.sets(st.sampled_from(DAYS), min_size=1),
)


@settings(max_examples=300, deadline=None)
@given(schedules, schedules)
def test_overlap_agrees_with_brute_force_and_never_misses_a_real_one(
    a: Schedule, b: Schedule
) -> None:
    wall_a, wall_b = _occurrences(a), _occurrences(b)
    answer = schedules_overlap(a, b)
    assert answer is _meet(wall_a, wall_b)  # exact on the wall clock
    utc_a = [(_to_utc(s), _to_utc(e)) for s, e in wall_a]
    utc_b = [(_to_utc(s), _to_utc(e)) for s, e in wall_b]
    if _meet(utc_a, utc_b):  # a real overlap in UTC is never missed
        assert answer


@settings(max_examples=300, deadline=None)
@given(schedules, schedules)
def test_overlapping_schedules_always_share_an_hour_of_the_week(a: Schedule, b: Schedule) -> None:
    """The allocation index only compares schedules sharing an hour of the week; it must never
    hide a real overlap."""
    if schedules_overlap(a, b):
        assert pattern(a).week_hours & pattern(b).week_hours


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        (sched("16:00", "19:00", frozenset({"mon"})), {16, 17, 18}),
        (sched("16:30", "17:00", frozenset({"tue"})), {24 + 16}),
        (sched("23:00", "01:00", frozenset({"sun"})), {6 * 24 + 23, 0}),  # wraps to Monday
        (sched("00:00", "00:00", frozenset({"wed"})), set(range(48, 72))),
    ],
)
def test_week_hours_cover_exactly_the_hours_a_window_touches(
    schedule: Schedule, hours: set[int]
) -> None:
    assert pattern(schedule).week_hours == hours


long_schedules = st.builds(
    lambda start, length, t1, t2, days: Schedule(
        start, start + timedelta(days=length), t1, t2, frozenset(days)
    ),
    st.integers(0, 30).map(lambda n: date(2027, 11, 1) + timedelta(days=n)),
    st.integers(1, 60),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
    st.sets(st.sampled_from(DAYS), min_size=1),
)


@settings(max_examples=500, deadline=None)
@given(long_schedules, long_schedules)
def test_the_quarter_hour_mask_answers_exactly_as_the_day_by_day_test(
    a: Schedule, b: Schedule
) -> None:
    """Windows on quarter hours sharing 8 days or more are compared by one AND of their weekly
    masks: it must give the day-by-day test's answer, never another."""
    assert patterns_overlap(pattern(a), pattern(b)) is patterns_overlap_day_by_day(
        pattern(a), pattern(b)
    )
