"""`biddaemon demo`: the sandbox market and the daemon together, days of bidding in a minute.

The sandbox runs in-process on a free loopback port and biddaemon follows its clock
(`clock.use_clock`). The daemon's own jobs run exactly as under `run`: the same `Daemon` methods,
on a fresh SQLite database, only paced by simulated time instead of the scheduler's wall clock
(opportunities at a fixed simulated interval, results every day at the configured UTC time).

The demo is deterministic for a seed: the simulated clock starts at a fixed instant and stands
still while a job runs, moving only in whole steps between jobs. A running clock would let the
machine's speed decide how much simulated time each job saw, so two runs would differ.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biddaemon.bidding.value import accepted_value, window_hours
from biddaemon.clock import use_clock
from biddaemon.daemon.service import Daemon
from biddaemon.demo_defaults import DEFAULT_SECONDS, DEFAULT_SPEED
from biddaemon.errors import BiddaemonError
from biddaemon.sandbox import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, SandboxConfig, SandboxServer
from biddaemon.sandbox.defaults import DEFAULT_PROVIDER_ID
from biddaemon.settings import Settings, StrategySettings, load_settings
from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import (
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    OpportunityObservation,
    OutcomeStatus,
    ServicePeriod,
    ServiceWindow,
)

DEMO_START = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # a Monday morning, the same every run
MIN_STEP_SECONDS = 3600  # opportunities at most hourly, as the market asks
STEPS_PER_SECOND = 3  # so that the demo takes about `seconds` of wall time
SENT = (BallotState.SUBMITTED, BallotState.SUPERSEDED)


@dataclass(frozen=True)
class DemoSummary:
    database: str
    simulated_from: datetime
    simulated_to: datetime
    competitions_seen: int
    ballots_submitted: int
    ballots_rejected: int
    windows_bid: int
    bids_accepted: int
    bids_rejected: int
    accepted_mw: Decimal
    accepted_value: Decimal

    def rows(self) -> list[tuple[str, str]]:
        days = (self.simulated_to - self.simulated_from) / timedelta(days=1)
        return [
            ("simulated time", f"{days:.1f} days"),
            ("competitions seen", str(self.competitions_seen)),
            ("ballots submitted", str(self.ballots_submitted)),
            ("ballots rejected by the market", str(self.ballots_rejected)),
            ("service windows bid", str(self.windows_bid)),
            ("bids accepted", str(self.bids_accepted)),
            ("bids rejected", str(self.bids_rejected)),
            ("accepted capacity", f"{self.accepted_mw} MW"),
            ("accepted value (availability and fees, est.)", f"£{self.accepted_value:,.2f}"),
        ]


Progress = Callable[[str], None]


def run_demo(
    *,
    seconds: float = DEFAULT_SECONDS,
    speed: float = DEFAULT_SPEED,
    seed: int = 1,
    database: Path | None = None,
    progress: Progress = print,
) -> DemoSummary:
    """Run the sandbox and the daemon for `seconds` of wall time; return what happened."""
    path = database or Path(tempfile.mkdtemp(prefix="biddaemon-demo-")) / "demo.db"
    config = sandbox_config(seed)
    with daemon_on_sandbox(config, path) as (market, daemon):
        progress(f"sandbox market at {market.base_url} (seed {seed}, {speed:g}x time)")
        progress(f"database {path}")
        started = market.clock.now()
        total = timedelta(seconds=seconds * speed)
        steps = max(1, round(seconds * STEPS_PER_SECOND))
        step = timedelta(seconds=max(MIN_STEP_SECONDS, round(total.total_seconds() / steps)))
        drive(daemon, market, total, step, progress, wall_seconds=seconds)
        daemon.results()
        return summarise(daemon.factory(), str(path), started, market.clock.now())


def sandbox_config(seed: int, *, contested: bool = False) -> SandboxConfig:
    """The sandbox a simulation runs on: frozen at `DEMO_START`, moved only by `drive`."""
    return SandboxConfig(
        speed=0,
        seed=seed,
        start=DEMO_START,
        token_lifetime_seconds=30 * 24 * 3600,
        contested=contested,
    )


@contextmanager
def daemon_on_sandbox(
    config: SandboxConfig, database: Path, strategy: StrategySettings | None = None
) -> Iterator[tuple[SandboxServer, Daemon]]:
    """A sandbox on loopback and a daemon following its clock, on a fresh SQLite `database`.

    biddaemon's clock is process-wide, so one simulation runs at a time in a process.
    """
    with SandboxServer(config) as market:
        use_clock(market.clock.now)
        try:
            settings = _settings(market.base_url, f"sqlite:///{database}", strategy)
            engine = make_engine(settings.effective_database_url)
            try:
                migrate.upgrade(engine)
                daemon = Daemon(settings, engine)
                try:
                    yield market, daemon
                finally:
                    daemon.close()
            finally:
                engine.dispose()
        finally:
            use_clock(None)


def _settings(base_url: str, database_url: str, strategy: StrategySettings | None) -> Settings:
    chosen = {} if strategy is None else {"strategy": strategy.model_dump()}
    return load_settings(
        database_url=database_url,
        dry_run=False,
        piclo={
            "base_url": base_url,
            "client_id": DEFAULT_CLIENT_ID,
            "api_key": DEFAULT_API_KEY,
            "provider_id": DEFAULT_PROVIDER_ID,
            "max_retry_seconds": 10,
        },
        **chosen,
    )


def drive(
    daemon: Daemon,
    market: SandboxServer,
    total: timedelta,
    step: timedelta,
    progress: Progress,
    *,
    wall_seconds: float | None = None,
    after_step: Callable[[datetime], None] | None = None,
) -> None:
    """Opportunities every `step` and results daily, in simulated time, for `total`.

    `wall_seconds` paces the run to about that much wall time (a slow machine only makes it
    longer); None runs as fast as the machine allows. `after_step` sees the simulated instant
    after each step's jobs ran.
    """
    results_at = daemon.settings.poll.results_time_utc
    start = market.clock.now()
    next_results = _next_daily(start, results_at)
    next_report = start + timedelta(days=1)
    began = time.monotonic()
    now = start
    while now - start < total:
        _quietly(daemon.opportunities, progress)
        if now >= next_results:
            report = _quietly(daemon.results, progress)
            if report and report.get("published"):
                progress(
                    f"{now:%a %d %b %H:%M} UTC  results: {report['published']} competition(s) "
                    f"published, {report['accepted']} bid(s) accepted, "
                    f"{report['rejected']} rejected"
                )
            next_results = _next_daily(now, results_at)
        if now >= next_report:
            progress(_status_line(daemon, now))
            next_report = now + timedelta(days=1)
        if after_step is not None:
            after_step(now)
        if wall_seconds is not None:
            done = (now + step - start) / total
            time.sleep(max(0.0, began + done * wall_seconds - time.monotonic()))
        now = market.clock.advance(step.total_seconds())


def _quietly(job: Callable[[], dict[str, object]], progress: Progress) -> dict[str, object] | None:
    try:
        return job()
    except BiddaemonError as exc:
        progress(f"job failed (the next run tries again): {exc}")
        return None


def _next_daily(after: datetime, at: dt_time) -> datetime:
    moment = datetime.combine(after.date(), at, after.tzinfo)
    return moment if moment > after else moment + timedelta(days=1)


def _status_line(daemon: Daemon, now: datetime) -> str:
    with daemon.factory() as session:
        seen = session.scalar(
            select(func.count(func.distinct(OpportunityObservation.competition_id)))
        )
        sent = session.scalar(select(func.count()).where(Ballot.state.in_(SENT)))
        outcomes = session.scalar(select(func.count()).select_from(BidOutcome))
    return (
        f"{now:%a %d %b %H:%M} UTC  competitions seen {seen}, ballots submitted {sent}, "
        f"bid outcomes {outcomes}"
    )


def summarise(session: Session, database: str, started: datetime, ended: datetime) -> DemoSummary:
    with session:
        seen = session.scalar(
            select(func.count(func.distinct(OpportunityObservation.competition_id)))
        )
        submitted = session.scalar(select(func.count()).where(Ballot.state.in_(SENT))) or 0
        rejected = (
            session.scalar(select(func.count()).where(Ballot.state == BallotState.REJECTED)) or 0
        )
        windows = session.scalar(
            select(func.count(func.distinct(Bid.service_window_id)))
            .join(Ballot)
            .where(Ballot.state.in_(SENT))
        )
        accepted_rows = accepted_bids(session)
        declined = session.scalar(
            select(func.count()).where(BidOutcome.status == OutcomeStatus.REJECTED)
        )
        mw = sum((row[0].capacity for row in accepted_rows), Decimal("0.000"))
        value = sum(
            (
                bid_value(outcome, bid, window, period)
                for outcome, bid, window, period in accepted_rows
            ),
            Decimal("0.00"),
        )
    return DemoSummary(
        database=database,
        simulated_from=started,
        simulated_to=ended,
        competitions_seen=seen or 0,
        ballots_submitted=submitted,
        ballots_rejected=rejected,
        windows_bid=windows or 0,
        bids_accepted=len(accepted_rows),
        bids_rejected=declined or 0,
        accepted_mw=mw,
        accepted_value=value.quantize(Decimal("0.01")),
    )


AcceptedBid = tuple[BidOutcome, Bid, ServiceWindow, ServicePeriod]


def accepted_bids(session: Session) -> list[AcceptedBid]:
    """Every accepted bid recorded so far, with the window and period `bid_value` needs."""
    rows = session.execute(
        select(BidOutcome, Bid, ServiceWindow, ServicePeriod)
        .join(Bid, BidOutcome.bid_id == Bid.id)
        .join(ServiceWindow, ServiceWindow.id == Bid.service_window_id)
        .join(ServicePeriod, ServicePeriod.id == ServiceWindow.service_period_id)
        .where(BidOutcome.status == OutcomeStatus.ACCEPTED)
    )
    return [(outcome, bid, window, period) for outcome, bid, window, period in rows]


def bid_value(
    outcome: BidOutcome, bid: Bid, window: ServiceWindow, period: ServicePeriod
) -> Decimal:
    """What an accepted bid is worth (`biddaemon.bidding.value`)."""
    hours = window_hours(
        window.start_time, window.end_time, window.days, period.start_date, period.end_date
    )
    return accepted_value(outcome.capacity, bid.availability_rate, bid.service_fee_rate, hours)
