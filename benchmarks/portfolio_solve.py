"""How long does one portfolio solve take at a realistic scale? (A benchmark, not a test.)

200 competitions x 24 service windows x 50 qualifying assets per competition x 3 price levels, drawn
(seeded) from a fleet of 500 assets in 10 areas of 50 (an asset qualifies where it sits, as on
Piclo), so each asset qualifies for about 20 competitions whose windows overlap: dates over a year,
weekday / weekend / every-day patterns, windows of one to four hours starting on quarter hours.
Capacity is frozen too: 20 accepted windows of closed competitions, each holding the six largest
assets of an area (five whole, one half: the engine allocates largest first). `--scattered`
draws each competition's assets at random from the whole fleet instead: no two assets alike, the
worst case for the pooling of `model._pools` (try it with fewer competitions). Prints the model
size and the solve time (goal: under 5 s on the development machine), split into building the model
and HiGHS.

    .venv/bin/python benchmarks/portfolio_solve.py [--competitions 200] [--windows 24]
        [--assets 50] [--fleet 500] [--levels 3] [--seed 7] [--time-limit 60] [--held 20]
        [--scattered]
"""

from __future__ import annotations

import argparse
import random
import time as clock
from datetime import date, time, timedelta
from decimal import Decimal

from biddaemon.strategy.portfolio import programme
from biddaemon.strategy.portfolio.programme import Eligibility, Level, Problem, Rule, Slot
from biddaemon.strategy.snapshot import Commitment, Schedule

PATTERNS = (
    frozenset({"mon", "tue", "wed", "thu", "fri"}),
    frozenset({"sat", "sun"}),
    frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
)


def make_problem(
    competitions: int,
    windows: int,
    per_competition: int,
    fleet: int,
    levels: int,
    seed: int,
    *,
    scattered: bool = False,
    held: int = 20,
    rule: Rule = "instant",
) -> Problem:
    rng = random.Random(seed)
    capacity = {f"flex:a{n:04d}": Decimal(rng.randint(500, 5000)) / 1000 for n in range(fleet)}
    names = sorted(capacity)
    areas = [names[n : n + per_competition] for n in range(0, fleet, per_competition)]
    slots: list[Slot] = []
    level_rows: list[Level] = []
    eligibility: list[Eligibility] = []
    for c in range(competitions):
        cid = f"c{c:04d}"
        start = date(2027, 1, 4) + timedelta(days=rng.randrange(0, 240))
        end = start + timedelta(days=rng.choice((28, 61, 92, 183)))
        qualified = rng.sample(names, per_competition) if scattered else rng.choice(areas)
        guide = Decimal(rng.randint(100, 900)) / 10
        for w in range(windows):
            begin = rng.randrange(0, 24 * 4 - 4) * 15
            length = rng.choice((60, 120, 180, 240))
            stop = (begin + length) % (24 * 60)
            schedule = Schedule(
                start, end, time(begin // 60, begin % 60), time(stop // 60, stop % 60),
                rng.choice(PATTERNS),
            )  # fmt: skip
            hours = Decimal(length) / 60 * (end - start).days
            wid = f"{cid}-w{w:02d}"
            need = Decimal(rng.randint(1, 40))
            slots.append(Slot(cid, wid, schedule, hours, need, order=len(slots)))
            for level in range(levels):
                fraction = Decimal("0.80") + Decimal("0.085") * level
                price = (guide * fraction).quantize(Decimal("0.01"))
                probability = Decimal(1) - Decimal("0.25") * level
                level_rows.append(
                    Level(cid, wid, level, {"availability": price}, price * hours, probability)
                )
            eligibility.extend(Eligibility(a, cid, wid, capacity[a]) for a in qualified)
    frozen: list[Commitment] = []
    for n in range(held):  # accepted windows of closed competitions, allocated largest first
        area = areas[n % len(areas)]
        begin = rng.randrange(0, 20) * 60
        schedule = Schedule(
            date(2027, 2, 1), date(2027, 5, 1), time(begin // 60), time(begin // 60 + 3),
            rng.choice(PATTERNS),
        )  # fmt: skip
        biggest = sorted(area, key=lambda a: (-capacity[a], a))[:6]
        for number, asset in enumerate(biggest):
            part = (
                capacity[asset] if number < 5 else (capacity[asset] / 2).quantize(Decimal("0.001"))
            )
            frozen.append(Commitment(asset, f"held{n}", f"held{n}-w", schedule, part))
    return Problem(
        tuple(slots), tuple(level_rows), tuple(eligibility), capacity, tuple(frozen), rule
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--competitions", type=int, default=200)
    parser.add_argument("--windows", type=int, default=24)
    parser.add_argument("--assets", type=int, default=50)
    parser.add_argument("--fleet", type=int, default=500)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--rule",
        choices=("engine", "instant"),
        default="instant",
        help="the exact capacity rule (the strategy's and the limit's), or the engine's",
    )
    parser.add_argument(
        "--scattered",
        action="store_true",
        help="each competition qualifies a random sample of the fleet (no two assets alike)",
    )
    parser.add_argument(
        "--held", type=int, default=20, help="accepted windows of closed competitions (frozen)"
    )
    args = parser.parse_args()
    problem = make_problem(
        args.competitions, args.windows, args.assets, args.fleet, args.levels, args.seed,
        scattered=args.scattered, held=args.held, rule=args.rule,
    )  # fmt: skip
    solution = programme.solve(problem, time_limit_seconds=args.time_limit)
    offered = sum(solution.mw.values(), Decimal(0))
    print(
        f"portfolio solve: {args.competitions} competitions x {args.windows} windows x "
        f"{args.assets} assets each (fleet {args.fleet}) x {args.levels} levels, "
        f"rule {args.rule}"
    )
    print(
        f"  model: {solution.rows} rows, {solution.columns} columns, {solution.nonzeros} nonzeros"
    )
    print(f"  status: {solution.status} {solution.detail}".rstrip())
    print(
        f"  solve time: {solution.seconds:.2f} s (building the model "
        f"{solution.build_seconds:.2f} s, HiGHS and rounding "
        f"{solution.seconds - solution.build_seconds:.2f} s); goal < 5 s"
    )
    print(f"  CPU time of this process: {clock.process_time():.2f} s (the machine is shared)")
    print(f"  expected value: GBP {solution.objective:.2f}, {offered} MW offered in total")


if __name__ == "__main__":
    main()
