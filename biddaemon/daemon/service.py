"""The daemon's jobs, wired once and shared by `run`, `once` and `demo`.

Each job runs inside a recorded job run and its own transactions. Errors are handled by what
they call for: a competition-level problem was already skipped inside the cycle; `RetryLater`
fails this run (the next one tries again); refused credentials halt market work and make the
health check fail, and the login alone is tried again on a slow backoff (1, 2, 4 ... minutes,
capped at the polling interval: slow enough never to lock the machine user, and a passing
outage of the market's login heals by itself); any other `OperatorActionRequired` halts market
work until a person restarts the daemon.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.daemon.collector import older_objects_frozen
from biddaemon.errors import (
    BiddaemonError,
    CredentialsRefused,
    OperatorActionRequired,
    RetryLater,
)
from biddaemon.jobs import notify
from biddaemon.jobs.dry_run import DryRunPicloClient
from biddaemon.jobs.opportunities import OpportunitiesCycle
from biddaemon.jobs.results import run_results_cycle
from biddaemon.jobs.runs import recorded_run
from biddaemon.jobs.submission import competitions_in_doubt, reconcile_competition
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import PicloClient
from biddaemon.scheduler import (
    ASSETS,
    NOTIFY,
    NOTIFY_INTERVAL_SECONDS,
    OPPORTUNITIES,
    RESULTS,
    ScheduledJob,
    allowed_ages,
    interval_trigger,
    opportunities_trigger,
    results_trigger,
)
from biddaemon.settings import Settings
from biddaemon.store import ballots
from biddaemon.store.ballots import landing_horizon
from biddaemon.store.database import session_factory, transaction
from biddaemon.store.models import BallotState
from biddaemon.strategy.loader import load_strategy

log = get_logger(__name__)

LOGIN = "login"
LOGIN_RETRY_FIRST_SECONDS = 60.0
"""The first wait before a refused login is tried again; it doubles up to the polling interval."""
LOGIN_CHECK_SECONDS = 5
"""How often the scheduler asks whether a login retry is due (the retry itself is rare)."""

LANDING_POLL_SECONDS = 2.0


def describe(exc: BaseException) -> str:
    """A one-line reason for an exception: our errors speak for themselves."""
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, BiddaemonError) else f"{type(exc).__name__}: {text}"


class Daemon:
    """Settings, database, market client and strategy, and one method per job."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        client: PicloClient | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        settings.require_market_credentials()
        self.settings = settings
        self.engine = engine
        self.factory: sessionmaker[Session] = session_factory(engine)
        client_class = DryRunPicloClient if settings.dry_run else PicloClient
        self.client = client or client_class.from_settings(settings.piclo)
        self.strategy = load_strategy(settings.strategy)
        self.stop = stop or threading.Event()
        self.halted: str | None = None
        self.login_retry_first_seconds = LOGIN_RETRY_FIRST_SECONDS
        self.on_resume: Callable[[], object] | None = None
        self._login_refused = False
        self._login_delay = 0.0
        self._next_login_at = 0.0  # time.monotonic()
        self._login_lock = threading.Lock()
        self._webhook = httpx.Client(follow_redirects=False)
        self._busy = 0
        self._busy_lock = threading.Condition()

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self.client.close()
        self._webhook.close()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is running; False if one still is after `timeout` seconds."""
        with self._busy_lock:
            return self._busy_lock.wait_for(lambda: self._busy == 0, timeout=timeout)

    # -- jobs ---------------------------------------------------------------------------------

    def reconcile_all(
        self,
        heartbeat: Callable[[], object] | None = None,
        *,
        wait_for_landings: bool = False,
    ) -> int:
        """Start-up reconciliation: resolve every SUBMITTING/UNKNOWN ballot with the market.

        A competition whose reconciliation fails for any reason but refused credentials stays
        in doubt, with the reason stored for `/healthz` and `status`; nothing is sent for it
        and everything else is bid. With `wait_for_landings` (`once`), a write that may still
        land is waited for (listing again every few seconds) until it lands or no longer can.
        """
        resolved = 0
        horizon = landing_horizon(self.settings.piclo.timeout_seconds)
        deadline = time.monotonic() + (horizon.total_seconds() if wait_for_landings else 0)
        pending = competitions_in_doubt(self.factory)
        while pending:
            waiting: list[str] = []
            for competition_id in pending:
                if heartbeat is not None:
                    heartbeat()
                outcome = self._reconcile_one(competition_id, horizon)
                resolved += sum(1 for _, state in outcome if state is not BallotState.UNKNOWN)
                if any(state is BallotState.UNKNOWN for _, state in outcome):
                    waiting.append(competition_id)
            if not waiting or time.monotonic() >= deadline or self.stop.is_set():
                break
            log.info("waiting for writes that may still land", competitions=waiting)
            self.stop.wait(LANDING_POLL_SECONDS)
            pending = waiting
        return resolved

    def _reconcile_one(
        self, competition_id: str, horizon: timedelta
    ) -> list[tuple[int, BallotState]]:
        try:
            return reconcile_competition(
                self.factory,
                self.client,
                competition_id,
                horizon=horizon,
                dry_run=self.settings.dry_run,
            )
        except OperatorActionRequired:
            raise
        except Exception as exc:
            # Bad market data, an outage, anything: this competition stays in doubt (nothing is
            # sent for it until it is reconciled) and the daemon bids everything else.
            reason = f"reconciliation failed: {describe(exc)}"
            if not isinstance(exc, BiddaemonError):
                log.exception("reconciliation failed", competition=competition_id)
            log.warning("reconciliation postponed", competition=competition_id, reason=reason)
            with transaction(self.factory) as session:
                ballots.note_doubt(session, competition_id, reason)
            return []

    def opportunities(self) -> dict[str, Any]:
        return self._run(OPPORTUNITIES, self._opportunities)

    def results(self) -> dict[str, Any]:
        return self._run(RESULTS, self._results)

    def assets(self) -> dict[str, Any]:
        return self._run(ASSETS, self._assets)

    def deliver_notifications(self) -> None:
        try:
            notify.deliver_pending(self.factory, self.settings.notify, self._webhook)
        except Exception:
            log.exception("notification delivery failed")

    def _opportunities(self, details: dict[str, Any]) -> None:
        cycle = OpportunitiesCycle(
            factory=self.factory,
            client=self.client,
            strategy=self.strategy,
            settings=self.settings,
            stop=self.stop,
        )
        with older_objects_frozen():
            details.update(cycle.run().as_details())

    def _results(self, details: dict[str, Any]) -> None:
        report = run_results_cycle(
            self.factory, self.client, dry_run=self.settings.dry_run, stop=self.stop
        )
        details.update(asdict(report))

    def _assets(self, details: dict[str, Any]) -> None:
        from biddaemon.inventory.sync import run_inventory_sync

        report = run_inventory_sync(self.settings, self.factory)
        details.update(report.summary())
        if not report.ok:
            raise RetryLater(f"inventory sync incomplete: {report.summary()}")

    def _run(self, job: str, body: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """One recorded run of `job`; raises what the caller must see (for `once`)."""
        with self._busy_lock:
            self._busy += 1
        try:
            with recorded_run(self.factory, job, dry_run=self.settings.dry_run) as record:
                if self.halted:
                    raise OperatorActionRequired(f"market work halted: {self.halted}")
                try:
                    body(record.details)
                    self._login_delay = 0.0  # the market accepts us: the next refusal starts over
                except CredentialsRefused as exc:
                    self.halt_for_login(exc)
                    raise
                except OperatorActionRequired as exc:
                    self.halted = str(exc)
                    log.error(
                        "halting market work until an operator restarts biddaemon", reason=str(exc)
                    )
                    raise
            return record.details
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()

    # -- refused credentials ------------------------------------------------------------------

    def halt_for_login(self, error: CredentialsRefused) -> None:
        """Stop market work until a login is accepted again; the first retry waits the least.

        The wait keeps growing across a resume that is refused again at once (a login accepted
        but its token refused), and starts over only after a job has succeeded.
        """
        with self._login_lock:
            self._login_delay = self._next_delay()
            self._login_refused = True
            self.halted = str(error)
            self._next_login_at = time.monotonic() + self._login_delay
        log.error(
            "market work halted: the login was refused; it is tried again later",
            reason=str(error),
            retry_in_seconds=round(self._login_delay),
        )

    @property
    def login_delay_seconds(self) -> float:
        """The current wait between login retries (0 while the market accepts us)."""
        return self._login_delay

    def _next_delay(self) -> float:
        """The first delay, or twice the last one, capped at the polling interval."""
        if self._login_delay <= 0:
            return self.login_retry_first_seconds
        cap = max(float(self.settings.poll.opportunities_interval_seconds), 1.0)
        return min(self._login_delay * 2, max(cap, self.login_retry_first_seconds))

    def retry_login(self) -> bool:
        """If a refused login is due for another try, try it; True when work has resumed.

        Cheap when nothing is due, so the scheduler may ask often. A refused try doubles the
        wait (capped at the polling interval); any other failure keeps it.
        """
        with self._login_lock:
            if not self._login_refused or time.monotonic() < self._next_login_at:
                return False
            try:
                self.client.authenticate()
            except CredentialsRefused as exc:
                self._login_delay = self._next_delay()
                self._next_login_at = time.monotonic() + self._login_delay
                self.halted = str(exc)
                log.warning("login still refused", retry_in_seconds=round(self._login_delay, 1))
                return False
            except BiddaemonError as exc:
                self._next_login_at = time.monotonic() + self._login_delay
                log.warning("login could not be tried", reason=str(exc))
                return False
            self._login_refused = False
            self.halted = None
        log.info("login accepted again: market work resumes")
        if self.on_resume is not None:
            self.on_resume()
        return True

    # -- schedule -----------------------------------------------------------------------------

    def scheduled_jobs(self) -> list[ScheduledJob]:
        interval = self.settings.poll.opportunities_interval_seconds
        jobs = [
            ScheduledJob(
                OPPORTUNITIES,
                self._scheduled(self.opportunities),
                opportunities_trigger(interval),
                misfire_grace_time=max(60, interval // 2),
                run_at_start=True,
            ),
            ScheduledJob(
                RESULTS,
                self._scheduled(self.results),
                results_trigger(self.settings.poll.results_time_utc),
                misfire_grace_time=4 * 3600,
            ),
        ]
        if self.settings.inventory.configured:
            seconds = self.settings.inventory.sync_interval_seconds
            jobs.append(
                ScheduledJob(
                    ASSETS,
                    self._scheduled(self.assets),
                    interval_trigger(seconds),
                    misfire_grace_time=max(60, seconds // 2),
                )
            )
        check = max(1, min(LOGIN_CHECK_SECONDS, int(self.login_retry_first_seconds)))
        jobs.append(
            ScheduledJob(
                LOGIN,
                self._login_check,
                interval_trigger(check),
                misfire_grace_time=60,
            )
        )
        if self.settings.notify.webhook_url:
            jobs.append(
                ScheduledJob(
                    NOTIFY,
                    self.deliver_notifications,
                    interval_trigger(NOTIFY_INTERVAL_SECONDS),
                    misfire_grace_time=60,
                )
            )
        return jobs

    def health_max_age(self) -> dict[str, timedelta]:
        """How old each job's last success may be before `/healthz` reports failure."""
        return allowed_ages(self.settings)

    def _login_check(self) -> None:
        try:
            self.retry_login()
        except Exception:
            log.exception("login retry crashed")

    @staticmethod
    def _scheduled(job: Callable[[], dict[str, Any]]) -> Callable[[], None]:
        """A job as the scheduler calls it: failures are recorded and logged, never raised."""

        def run() -> None:
            try:
                job()
            except BiddaemonError as exc:
                log.warning("job failed; the next run tries again", error=str(exc))
            except Exception:
                log.exception("job crashed")

        return run
