"""`biddaemon run`: become the active instance, reconcile, schedule, stay healthy, stop cleanly.

Order matters: the lock first (so two processes never migrate, reconcile or bid at once), then
any migration (BIDDAEMON_AUTO_MIGRATE), then start-up reconciliation (principle 2), then
systemd's READY=1, then the scheduler. SIGTERM or SIGINT stop new work at once; a job in flight
gets a grace period to finish, and anything still in flight after it is left SUBMITTING for the
next start's reconciliation. The process exits 0 within
`SHUTDOWN_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics, systemd
from biddaemon.clock import utcnow
from biddaemon.daemon.health import HealthServer, HealthState
from biddaemon.daemon.instance import (
    AnotherInstanceIsActive,
    InstanceLock,
    LockLost,
    PostgresAdvisoryLock,
    lock_for,
)
from biddaemon.daemon.service import LOGIN, Daemon
from biddaemon.errors import ConfigurationError, CredentialsRefused
from biddaemon.logs import get_logger
from biddaemon.metrics import BallotStateCollector
from biddaemon.scheduler import OPPORTUNITIES, allowed_ages, build_scheduler
from biddaemon.settings import ENV_PREFIX, Settings
from biddaemon.store import ballots as store_ballots
from biddaemon.store import dashboard_queries, queries
from biddaemon.store.database import reachable, session_factory
from biddaemon.store.migrate import connect, current_revision, ensure_current
from biddaemon.web.http import LiveFacts, PageHandler
from biddaemon.web.lazy import lazy_dashboard

log = get_logger(__name__)

SHUTDOWN_SECONDS = 10.0
JOB_GRACE_SECONDS = 7.0
DEFAULT_TICK_SECONDS = 5.0


def run_daemon(settings: Settings, *, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); returns the process exit code."""
    stop = stop or threading.Event()
    _install_signal_handlers(stop)
    settings.require_market_credentials()
    engine = _open_database(settings)
    factory = session_factory(engine)

    state = HealthState(
        started_at=utcnow(),
        max_age={},
        job_summaries=lambda: _job_summaries(factory),
        in_doubt=lambda: _in_doubt(factory),
    )
    metrics.REGISTRY.register(
        BallotStateCollector(lambda: _ballot_counts(factory), lambda: _unknown_age(factory))
    )
    metrics.set_role("starting")
    pages = lazy_dashboard(
        settings,
        factory,
        LiveFacts(
            role=lambda: state.role,
            next_runs=lambda: state.next_runs(),
            halted=lambda: state.halted(),
        ),
    )
    lock = lock_for(engine)
    health: HealthServer | None = None
    try:
        try:
            lock.acquire(wait=False)
        except AnotherInstanceIsActive:
            if not lock_waits(lock):
                raise
            health = _start_health(settings, state, pages)
            state.role = "standby"
            metrics.set_role("standby")
            metrics.ACTIVE.set(0)
            systemd.notify("READY=1", "STATUS=standby: waiting for the active instance's lock")
            if not lock.acquire(wait=True, stop=stop, heartbeat=systemd.watchdog):
                log.info("stopped while standing by")
                return 0
        with reachable(engine):  # the lock is ours: nobody else migrates while we do
            ensure_current(engine, auto_migrate=settings.auto_migrate)
        if health is None:
            health = _start_health(settings, state, pages)
        return _run_active(settings, engine, lock, state, stop)
    finally:
        lock.release()
        if health is not None:
            health.stop()
        engine.dispose()


def _open_database(settings: Settings) -> Engine:
    """The database, reachable; without auto-migrate, refused at once if its schema is old
    (a standby must not wait for a lock only to refuse when it gets it). Any migration
    happens later, under the instance lock."""
    engine = connect(
        settings.effective_database_url,
        auto_migrate=False,
        require_schema=not settings.auto_migrate,
    )
    if settings.auto_migrate:
        with reachable(engine):
            current_revision(engine)
    return engine


def lock_waits(lock: InstanceLock) -> bool:
    """PostgreSQL's lock supports a hot standby; SQLite's does not."""
    return isinstance(lock, PostgresAdvisoryLock)


def _run_active(
    settings: Settings,
    engine: Engine,
    lock: InstanceLock,
    state: HealthState,
    stop: threading.Event,
) -> int:
    daemon = Daemon(settings, engine, stop=stop)
    _publish_job_facts(settings, daemon.factory)
    state.max_age = daemon.health_max_age()
    state.halted = lambda: daemon.halted
    metrics.ACTIVE.set(1)
    try:
        resolved = daemon.reconcile_all(heartbeat=systemd.watchdog)
        log.info("start-up reconciliation done", resolved=resolved)
    except CredentialsRefused as exc:
        # Not a crash loop: the login is retried on its backoff, and the opportunities cycle
        # reconciles each competition before it sends anything for it.
        daemon.halt_for_login(exc)
    scheduler = build_scheduler(daemon.scheduled_jobs())
    daemon.on_resume = lambda: _run_now(scheduler, OPPORTUNITIES)
    scheduler.start()
    state.next_runs = lambda: [
        (job.id, job.next_run_time) for job in scheduler.get_jobs() if job.id != LOGIN
    ]
    state.role = "active"
    metrics.set_role("active")
    systemd.notify("READY=1", "STATUS=active: bidding")
    log.info(
        "biddaemon running",
        database=engine.url.render_as_string(hide_password=True),
        market=settings.piclo.base_url,
        dry_run=settings.dry_run,
        jobs=[job.id for job in scheduler.get_jobs()],
    )
    watchdog = systemd.watchdog_interval()
    tick = (
        min(DEFAULT_TICK_SECONDS, watchdog.total_seconds() / 2)
        if watchdog
        else DEFAULT_TICK_SECONDS
    )
    exit_code = 0
    try:
        while not stop.wait(tick):
            try:
                lock.ensure_held()
            except LockLost as exc:
                log.error(
                    "instance lock lost: stopping so that a standby can take over", reason=str(exc)
                )
                exit_code = 1
                break
            if scheduler.running:
                systemd.notify("WATCHDOG=1")
    finally:
        state.role = "stopping"
        metrics.set_role("stopping")
        metrics.ACTIVE.set(0)
        systemd.notify("STOPPING=1")
        log.info("shutting down: no new work is started")
        stop.set()
        scheduler.shutdown(wait=False)
        if not daemon.wait_idle(JOB_GRACE_SECONDS):
            log.warning(
                "a job is still running after the grace period; anything it was "
                "sending stays SUBMITTING and is reconciled at the next start"
            )
            logging.shutdown()
            lock.release()
            os._exit(exit_code)  # worker threads would otherwise hold the process open
        daemon.close()
    log.info("biddaemon stopped")
    return exit_code


def _run_now(scheduler: BackgroundScheduler, job_id: str) -> None:
    """Run a scheduled job as soon as possible (work resumes without waiting for its interval)."""
    try:
        scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
    except JobLookupError:
        log.warning("no such scheduled job", job=job_id)


def _start_health(settings: Settings, state: HealthState, pages: PageHandler) -> HealthServer:
    try:
        return HealthServer(settings.health.host, settings.health.port, state, pages).start()
    except OSError as exc:
        raise ConfigurationError(
            {
                f"{ENV_PREFIX}HEALTH__PORT": f"cannot listen on {settings.health.host}:"
                f"{settings.health.port} ({exc.strerror or exc})"
            }
        ) from None


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # tests run the daemon in a thread and stop it with the event

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal received", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _job_summaries(factory: sessionmaker[Session]) -> list[queries.JobSummary]:
    with factory() as session:
        return queries.job_summaries(session)


def _in_doubt(factory: sessionmaker[Session]) -> list[tuple[str, int, str]]:
    with factory() as session:
        return store_ballots.doubts(session)


def _publish_job_facts(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Each job's allowed age, and its last success as the database knows it: the job-late
    alert must not wait for the first success after a restart to see an old one."""
    for job, allowed in allowed_ages(settings).items():
        metrics.JOB_ALLOWED_AGE.labels(job=job).set(allowed.total_seconds())
    try:
        summaries = _job_summaries(factory)
    except Exception:
        return  # an old schema: the first successes set the gauges
    for summary in summaries:
        if summary.last_success_at is not None:
            metrics.JOB_LAST_SUCCESS.labels(job=summary.job).set(
                summary.last_success_at.timestamp()
            )


def _unknown_age(factory: sessionmaker[Session]) -> float | None:
    try:
        with factory() as session:
            since = dashboard_queries.oldest_unknown_since(session)
    except Exception:
        return None
    return (utcnow() - since).total_seconds() if since else None


def _ballot_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    try:
        with factory() as session:
            return {
                state.value: count for state, count in queries.ballots_by_state(session).items()
            }
    except Exception:
        return {}
