"""Run strategies side by side on one seeded contested market, then measure them and the limit.

Each strategy gets its own sandbox (the contested market for the seed, frozen at the demo's
start instant) and its own SQLite database in a temporary folder, and the daemon runs its jobs
in simulated time exactly as `biddaemon demo` does (`biddaemon.demo.drive`), only unpaced:
opportunities every `step`, results daily. biddaemon's clock is process-wide, so the strategies
run one after the other; the same seed and the same steps make every run, and so the table,
reproducible.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from biddaemon.backtest.limit import Limit, decided_in_run, room_mw, solve_limit
from biddaemon.backtest.measure import Measured, accepted_value, measure
from biddaemon.demo import daemon_on_sandbox, drive, sandbox_config
from biddaemon.errors import ConfigurationError
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.model import Competition
from biddaemon.settings import StrategySettings
from biddaemon.strategy.loader import load_strategy

DEFAULT_STEP = timedelta(hours=6)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StrategyRun:
    """One strategy's row of the table, and its accepted value at the end of each day."""

    strategy: str
    measured: Measured
    idle_mw: Decimal
    daily_value: tuple[Decimal, ...]
    refused_ballots: int


@dataclass(frozen=True)
class Backtest:
    seed: int
    days: int
    started: datetime
    ended: datetime
    runs: tuple[StrategyRun, ...]
    limit: Limit
    limit_daily_value: tuple[Decimal, ...] = field(default=())

    @property
    def rule_violations(self) -> int:
        """Ballots the sandbox's referee refused, over every strategy's run."""
        return sum(run.refused_ballots for run in self.runs)

    def share_of_limit(self, value: Decimal) -> Decimal | None:
        if self.limit.accepted_value <= 0:
            return None
        return (value / self.limit.accepted_value).quantize(Decimal("0.001"))


def strategy_settings(base: StrategySettings, names: Sequence[str]) -> list[StrategySettings]:
    """`base` (the BIDDAEMON_STRATEGY__* settings) once per strategy, each loaded once here so
    that a typo or a missing price stops the backtest before anything runs."""
    if len(set(names)) != len(names):
        raise ConfigurationError({"--strategy": "a strategy is named twice"})
    chosen = []
    for name in names:
        try:
            settings = StrategySettings.model_validate(base.model_dump() | {"name": name})
        except ValueError as error:
            raise ConfigurationError({"--strategy": f"{name!r}: {error}"}) from None
        load_strategy(settings)
        chosen.append(settings)
    return chosen


def run_backtest(
    strategies: Sequence[StrategySettings],
    *,
    days: int,
    seed: int,
    step: timedelta = DEFAULT_STEP,
    progress: Progress = lambda _: None,
) -> Backtest:
    """Every strategy for `days` simulated days on the contested market of `seed`."""
    if not strategies:
        raise ConfigurationError({"--strategy": "name at least one strategy"})
    runs = []
    for settings in strategies:
        run, market, started, ended = _run_one(settings, seed, timedelta(days=days), step)
        runs.append(run)
        progress(f"{settings.name}: {run.measured.accepted_value:,.2f} GBP accepted")
    decided = decided_in_run(market.competitions(), started, ended)
    limit = solve_limit(decided, market.fleet(), strategies[0].derating_factor)
    progress(f"limit: {limit.status} in {limit.seconds:.1f} s")
    return Backtest(
        seed=seed,
        days=days,
        started=started,
        ended=ended,
        runs=tuple(runs),
        limit=limit,
        limit_daily_value=_limit_by_day(decided, limit, started, days),
    )


def _run_one(
    settings: StrategySettings, seed: int, total: timedelta, step: timedelta
) -> tuple[StrategyRun, Market, datetime, datetime]:
    """One strategy on its own market and database; the market is returned for the limit."""
    config = sandbox_config(seed, contested=True)
    # The run's database is read only here, so it goes with the run (a backtest leaves no files).
    with tempfile.TemporaryDirectory(
        prefix="biddaemon-backtest-", ignore_cleanup_errors=True
    ) as scratch:
        folder = Path(scratch)
        with daemon_on_sandbox(config, folder / "backtest.db", settings) as (server, daemon):
            started = server.clock.now()
            daily: list[Decimal] = []

            def end_of_day(now: datetime) -> None:
                if now + step - started >= timedelta(days=len(daily) + 1):
                    with daemon.factory() as session:
                        daily.append(accepted_value(session))

            drive(daemon, server, total, step, lambda _: None, after_step=end_of_day)
            daemon.results()
            ended = server.clock.now()
            with daemon.factory() as session:
                measured = measure(session)
            daily[-1:] = [measured.accepted_value]  # the last results read counts on the last day
            market = server.market
            decided = decided_in_run(market.competitions(), started, ended)
            room = room_mw(decided, market.fleet(), settings.derating_factor)
            run = StrategyRun(
                strategy=settings.name,
                measured=measured,
                idle_mw=max(room - measured.mw_accepted, Decimal("0.000")),
                daily_value=tuple(daily),
                refused_ballots=market.refused_ballots(),
            )
    return run, market, started, ended


def _limit_by_day(
    decided: Sequence[Competition], limit: Limit, started: datetime, days: int
) -> tuple[Decimal, ...]:
    """The limit's value at the end of each day: a competition counts once its results are out."""
    published = {c.id: c.results_at for c in decided}
    return tuple(
        sum(
            (
                value
                for competition_id, value in limit.by_competition.items()
                if published[competition_id] <= started + timedelta(days=day)
            ),
            Decimal("0.00"),
        ).quantize(Decimal("0.01"))
        for day in range(1, days + 1)
    )
