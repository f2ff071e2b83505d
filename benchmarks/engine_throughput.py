"""How fast does the engine validate service windows? (A benchmark, not a test.)

A fleet of 200 assets and 1,000 open service windows (100 competitions of 10 windows each, with
random but seeded dates, days and times, so many windows overlap). Competitions are decided one
after another the way the daemon does it: each sees the commitments of every ballot decided
before it, taken from each plan's allocations as data (never decoded from decision records) and
kept as the daemon keeps them: in the cycle's `Ledger`, whose one index of schedules is built
once for the run and read by each decision, so the no-double-commitment check grows with the
run. Prints windows validated per second, the peak memory of a second, traced run, and the size
of the decision records a third run would store.

`--per-competition 24 --windows 4800` is the shape of a 200-competition hourly cycle, so its
time is the engine's share of such a cycle (compare benchmarks/cycle.py's HTTP floor).

`--scaling` also runs 200 assets x 1,000 windows and 2,000 assets x 10,000 windows, and prints
how the time grows against windows x assets (1.0x per unit of work means linear).

    .venv/bin/python benchmarks/engine_throughput.py [--assets 200] [--windows 1000] [--seed 7]
    .venv/bin/python benchmarks/engine_throughput.py --scaling
    .venv/bin/python benchmarks/engine_throughput.py --per-competition 24 --windows 4800
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time as clock
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from biddaemon.bidding import BallotPlan, decide
from biddaemon.bidding.overlap import pattern
from biddaemon.settings import StrategySettings
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import BallotState
from biddaemon.strategy import GuidePriceStrategy
from biddaemon.strategy.snapshot import (
    DAYS,
    AssetSpec,
    Commitment,
    CompetitionSnapshot,
    StrategyInput,
    WindowSpec,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
WINDOWS_PER_COMPETITION = 10


def build(
    assets: int, windows: int, seed: int, per_competition: int = WINDOWS_PER_COMPETITION
) -> tuple[list[AssetSpec], list[CompetitionSnapshot]]:
    rng = random.Random(seed)
    fleet = [
        AssetSpec(
            id=f"a{i:03d}",
            kind="flex",
            ref=f"ref-{i:03d}",
            capacity=Decimal(rng.randint(100, 5000)).scaleb(-3),
            energy_mwh=Decimal(rng.randint(500, 20000)).scaleb(-3),
            max_runtime=timedelta(hours=rng.randint(1, 6)),
        )
        for i in range(assets)
    ]
    competitions = []
    for c in range(max(1, windows // per_competition)):
        specs = []
        for w in range(per_competition):
            start = date(2027, 11, 1) + timedelta(days=rng.randint(0, 120))
            start_hour = rng.randint(0, 23)
            specs.append(
                WindowSpec(
                    id=f"c{c}-w{w}",
                    period_id=f"c{c}-p",
                    name=None,
                    start_date=start,
                    end_date=start + timedelta(days=rng.randint(7, 120)),
                    start_time=time(start_hour),
                    end_time=time((start_hour + rng.randint(1, 4)) % 24),
                    days=frozenset(rng.sample(DAYS, rng.randint(1, 7))),
                    bank_holidays="excluded",
                    capacity_required=Decimal(rng.randint(500, 20000)).scaleb(-3),
                )
            )
        competitions.append(
            CompetitionSnapshot(
                id=f"c{c}",
                type="availability_utilisation",
                need_direction="deficit",
                status="open",
                competition_open=NOW - timedelta(days=1),
                competition_close=NOW + timedelta(days=7),
                windows=tuple(specs),
                availability_guide_price=Decimal("15.00"),
                utilisation_guide_price=Decimal("300.00"),
            )
        )
    return fleet, competitions


def run(
    fleet: list[AssetSpec],
    competitions: list[CompetitionSnapshot],
    *,
    carry: bool = True,
    record_sizes: list[int] | None = None,
) -> tuple[int, int, int]:
    """Decide every competition in turn; returns (windows, bids, commitments at the end).

    With `carry`, each decision's commitments are held against the next ones (the real flow);
    without, every competition is decided against an uncommitted fleet (validation alone).
    `record_sizes` gets each decision record's size as stored (JSON bytes)."""
    pattern.cache_clear()
    strategy = GuidePriceStrategy()
    settings = StrategySettings()
    assets = tuple(fleet)
    ledger = Ledger()  # the cycle's ledger, with its one index of holdings, as the daemon keeps
    windows = bids = 0
    for number, competition in enumerate(competitions, start=1):
        snapshot = StrategyInput(
            competition=competition,
            assets=assets,
            previous=None,
            commitments=tuple(ledger.held_for(competition.id)) if carry else (),
            settings=settings,
            now=NOW,
        )
        decision = decide(
            strategy,
            snapshot,
            safety_margin=timedelta(minutes=15),
            allow_overbooking=False,
            holdings=ledger.holdings if carry else None,
            ignored_holders=ledger.ignored_by(competition.id) if carry else (),
        )
        windows += len(competition.windows)
        if record_sizes is not None:
            record_sizes.append(len(json.dumps(decision.record)))
        if decision.plan is not None:
            bids += len(decision.plan.bids)
            if carry:  # saved as SUBMITTING, then accepted by the market (the daemon's order)
                ledger.record(competition.id, number, promised(competition, decision.plan))
                ledger.settle(competition.id, number, BallotState.SUBMITTED)
    return windows, bids, len(ledger.holdings)


def promised(competition: CompetitionSnapshot, plan: BallotPlan) -> list[Commitment]:
    """The capacity a plan promises, per asset and window, straight from its allocations."""
    schedules = {window.id: window.schedule for window in competition.windows}
    return [
        Commitment(
            asset_id=share.asset_id,
            competition_id=plan.competition_id,
            window_id=bid.window_id,
            schedule=schedules[bid.window_id],
            capacity=share.capacity,
            kind=share.kind,
        )
        for bid in plan.bids
        for share in bid.allocations
    ]


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) of the fastest of `repeat` runs: the least disturbed by whatever else the
    machine is doing (on a shared machine, CPU time is the fairer measure)."""
    times = []
    for _ in range(repeat):
        started, cpu = clock.perf_counter(), clock.process_time()
        work()
        times.append((clock.process_time() - cpu, clock.perf_counter() - started))
    cpu, wall = min(times)
    return wall, cpu


SCALING_SIZES = ((200, 1000), (2000, 10000))


def peak_resident_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1_048_576 if sys.platform == "darwin" else 1024)


def scaling(seed: int) -> None:
    """One carried run per size; time against windows x assets (1.0x per unit = linear)."""
    print("scaling, commitments carried (one run per size; CPU time is the process's own):")
    first: tuple[int, float] | None = None
    for assets, windows in SCALING_SIZES:
        fleet, competitions = build(assets, windows, seed)
        started, cpu = clock.perf_counter(), clock.process_time()
        decided, _, commitments = run(fleet, competitions)
        wall, cpu = clock.perf_counter() - started, clock.process_time() - cpu
        work = decided * assets
        growth = ""
        if first is None:
            first = (work, cpu)
        else:
            work_ratio, cpu_ratio = work / first[0], cpu / first[1]
            growth = (
                f"; windows x assets x{work_ratio:,.0f}, CPU time x{cpu_ratio:,.1f} "
                f"({cpu_ratio / work_ratio:.2f}x per unit of work)"
            )
        print(
            f"  {assets:>5} assets x {decided:>6} windows: {wall:7.2f} s wall, {cpu:7.2f} s CPU "
            f"-> {decided / wall:,.0f} windows/s wall, {decided / cpu:,.0f} windows/s CPU; "
            f"{commitments} commitments held; peak resident memory {peak_resident_mib():,.0f} MiB"
            f"{growth}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--windows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--per-competition",
        type=int,
        default=WINDOWS_PER_COMPETITION,
        help="service windows per competition (24: the shape of benchmarks/cycle.py)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="also run 200 x 1,000 and 2,000 x 10,000 (assets x windows) and print the growth",
    )
    args = parser.parse_args()

    fleet, competitions = build(args.assets, args.windows, args.seed, args.per_competition)
    windows, bids, commitments = run(fleet, competitions)  # warm-up, and the counts
    elapsed, elapsed_cpu = best_of(args.repeat, lambda: run(fleet, competitions))
    alone, alone_cpu = best_of(args.repeat, lambda: run(fleet, competitions, carry=False))

    tracemalloc.start()
    run(fleet, competitions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"fleet: {len(fleet)} assets; {len(competitions)} competitions, {windows} open windows")
    print(f"bids emitted: {bids}; commitments held at the end: {commitments}")
    print(
        f"with commitments carried (best of {args.repeat}): {elapsed:.2f} s wall, "
        f"{elapsed_cpu:.2f} s CPU -> {windows / elapsed:,.0f} service windows validated per "
        f"second (wall), {windows / elapsed_cpu:,.0f} per CPU second"
    )
    print(
        f"without commitments elsewhere (best of {args.repeat}): {alone:.2f} s wall, "
        f"{alone_cpu:.2f} s CPU -> {windows / alone:,.0f} windows per second (wall), "
        f"{windows / alone_cpu:,.0f} per CPU second"
    )
    print(f"peak traced memory: {peak / 1_048_576:.1f} MiB")
    sizes: list[int] = []
    run(fleet, competitions, record_sizes=sizes)
    print(
        f"decision records as stored: {sum(sizes) / 1_000_000:.1f} MB in all, "
        f"the largest {max(sizes) / 1000:.0f} KB"
    )
    if args.scaling:
        scaling(args.seed)


if __name__ == "__main__":
    main()
