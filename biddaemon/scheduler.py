"""The schedule, defined in code (principle 7): APScheduler 3, UTC, in-memory job store.

Durable state lives in our own tables, so the job store can be memory: after a restart the
schedule is rebuilt from settings, and start-up reconciliation covers anything in flight.
Opportunities run at start and then every interval; results run daily at a fixed UTC time
(so the UK clock changes never move it); inventory sync and notification delivery when configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

if TYPE_CHECKING:
    from biddaemon.settings import Settings

OPPORTUNITIES = "opportunities"
RESULTS = "results"
ASSETS = "assets"
NOTIFY = "notify"
JOBS = (OPPORTUNITIES, RESULTS, ASSETS)

MAX_JITTER_SECONDS = 60
NOTIFY_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class ScheduledJob:
    """One job: its name, what to call, and when."""

    name: str
    func: Callable[[], object]
    trigger: BaseTrigger
    misfire_grace_time: int
    run_at_start: bool = False


def allowed_ages(settings: Settings) -> dict[str, timedelta]:
    """How old each scheduled job's last success may be before it counts as failing (for
    `/healthz`, the dashboard and the alert rules' `biddaemon_job_allowed_age_seconds`)."""
    interval = timedelta(seconds=settings.poll.opportunities_interval_seconds)
    ages = {OPPORTUNITIES: 2 * interval + timedelta(minutes=5), RESULTS: timedelta(hours=25)}
    if settings.inventory.configured:
        sync = timedelta(seconds=settings.inventory.sync_interval_seconds)
        ages[ASSETS] = 2 * sync + timedelta(minutes=5)
    return ages


def jitter_for(interval_seconds: float) -> int:
    """A little jitter (5% of the interval, at most a minute) so fleets don't poll in lockstep."""
    return int(min(MAX_JITTER_SECONDS, interval_seconds * 0.05))


def opportunities_trigger(interval_seconds: int, *, jitter: bool = True) -> IntervalTrigger:
    return IntervalTrigger(
        seconds=interval_seconds,
        timezone=UTC,
        jitter=jitter_for(interval_seconds) if jitter else None,
    )


def results_trigger(at: time, *, jitter: bool = True) -> CronTrigger:
    return CronTrigger(
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=UTC,
        jitter=MAX_JITTER_SECONDS if jitter else None,
    )


def interval_trigger(seconds: int) -> IntervalTrigger:
    return IntervalTrigger(seconds=seconds, timezone=UTC, jitter=jitter_for(seconds) or None)


def build_scheduler(jobs: list[ScheduledJob], *, workers: int = 4) -> BackgroundScheduler:
    """A scheduler with each job at most once at a time, missed runs coalesced into one."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    now = datetime.now(UTC)
    for job in jobs:
        # APScheduler reads an explicit next_run_time=None as "paused", hence `undefined`.
        first_run = now + timedelta(seconds=1) if job.run_at_start else undefined
        scheduler.add_job(
            job.func,
            trigger=job.trigger,
            id=job.name,
            name=job.name,
            misfire_grace_time=job.misfire_grace_time,
            coalesce=True,
            max_instances=1,
            next_run_time=first_run,
            replace_existing=True,
        )
    return scheduler
