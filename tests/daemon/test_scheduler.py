"""The schedule: opportunities hourly, results daily at a fixed UTC time, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
from freezegun import freeze_time

from biddaemon.scheduler import (
    OPPORTUNITIES,
    RESULTS,
    ScheduledJob,
    build_scheduler,
    jitter_for,
    opportunities_trigger,
    results_trigger,
)

# BST starts 2027-03-28 01:00 UTC and ends 2027-10-31 01:00 UTC.
CLOCK_CHANGES = [datetime(2027, 3, 28, tzinfo=UTC), datetime(2027, 10, 31, tzinfo=UTC)]


def fire_times(trigger, start: datetime, count: int) -> list[datetime]:  # type: ignore[no-untyped-def]
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous, now = fire, fire
    return times


@pytest.mark.parametrize("change_day", CLOCK_CHANGES, ids=["spring-forward", "fall-back"])
def test_opportunities_run_exactly_hourly_across_a_clock_change(change_day: datetime) -> None:
    start = change_day - timedelta(hours=6)
    with freeze_time(start):
        times = fire_times(opportunities_trigger(3600, jitter=False), start, 24)
    gaps = {b - a for a, b in pairwise(times)}
    assert gaps == {timedelta(hours=1)}
    assert times[0] - start == timedelta(hours=1)


@pytest.mark.parametrize("change_day", CLOCK_CHANGES, ids=["spring-forward", "fall-back"])
def test_results_run_daily_at_the_configured_utc_time_across_a_clock_change(
    change_day: datetime,
) -> None:
    start = change_day - timedelta(days=2)
    with freeze_time(start):
        times = fire_times(results_trigger(time(19, 30), jitter=False), start, 5)
    assert [t.astimezone(UTC).time() for t in times] == [time(19, 30)] * 5
    assert [t.date() for t in times] == [(start + timedelta(days=i)).date() for i in range(5)]


def test_jitter_only_ever_lengthens_the_hourly_gap_by_at_most_a_minute() -> None:
    assert jitter_for(3600) == 60
    assert jitter_for(20) == 1
    start = datetime(2027, 3, 1, tzinfo=UTC)
    with freeze_time(start):
        times = fire_times(opportunities_trigger(3600), start, 200)
    for earlier, later in pairwise(times):
        assert timedelta(hours=1) <= later - earlier <= timedelta(hours=1, seconds=60)


@freeze_time("2027-10-30 23:00:00+00:00")
def test_jobs_are_single_instance_coalesced_with_a_grace_time_and_opportunities_start_now() -> None:
    jobs = [
        ScheduledJob(
            OPPORTUNITIES, lambda: None, opportunities_trigger(3600), 600, run_at_start=True
        ),
        ScheduledJob(RESULTS, lambda: None, results_trigger(time(19, 30)), 3600),
    ]
    scheduler = build_scheduler(jobs)
    scheduler.start(paused=True)
    try:
        by_id = {job.id: job for job in scheduler.get_jobs()}
        assert set(by_id) == {OPPORTUNITIES, RESULTS}
        for job in by_id.values():
            assert job.coalesce is True
            assert job.max_instances == 1
        assert by_id[OPPORTUNITIES].misfire_grace_time == 600
        assert by_id[OPPORTUNITIES].next_run_time == datetime(2027, 10, 30, 23, 0, 1, tzinfo=UTC)
        results_next = by_id[RESULTS].next_run_time.astimezone(UTC)
        assert results_next.date().isoformat() == "2027-10-31"
        assert abs(results_next - datetime(2027, 10, 31, 19, 30, tzinfo=UTC)) <= timedelta(
            seconds=60
        )
        assert str(scheduler.timezone) == "UTC"
    finally:
        scheduler.shutdown(wait=False)
