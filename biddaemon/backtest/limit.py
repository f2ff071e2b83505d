"""The limit: the most this fleet could have earned on this market, knowing every DSO's decision.

The sandbox's DSO decides a window by ranking every offer cheapest first (rivals win exact
ties) and accepting each one whole while it is within the budget and fits in what remains of the
need (`biddaemon.sandbox.decisions`). Knowing the budgets and the rival offers, the best prices
for a window are a penny under each rival that is within budget, and the budget itself: any
other price earns less for the same place in the queue. Each such price is a level of the
portfolio programme (`biddaemon.strategy.portfolio.programme`) with probability 1 (it is within
budget) and a cumulative cap: the need minus what the rivals ranked ahead of it take, as the DSO
would decide them.

The cap bounds our MW at that price *or dearer*: every bid at or above a price queues behind
the rivals ranked ahead of it. So the levels are numbered dearest first (level 0 is the budget),
which makes the programme's cumulative cap ("our MW at levels <= this one") exactly that; the
cheapest level's cap is the whole need. Any bid at one price per window is within these caps (a
price between two levels earns less than the level above it for the same place in the queue),
so the limit is at least what a strategy that bids one price per window can win.

The programme then shares every asset's capacity (after the configured derating, as every
strategy is held to) between the windows that run at the same time, across competitions and
operators, and returns the best total.

What counts is the competitions a strategy could bid into and saw decided: open at some instant
of the run (closing after its start), results published by its end, not cancelled, with at
least one qualifying asset. Value is the table's: availability over every hour the window runs
in its service period, plus any service fee; utilisation-only competitions earn nothing there, so
the limit leaves them out. One simplification, on the side of a lower limit: bids at several
prices in one window could crowd out a rival that no longer fits after our cheaper bid, leaving
room for a dearer bid of ours behind it; the caps assume the rivals ahead take what they would
without us (the DSO's whole-offer rule makes the exact best a mixed-integer problem).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Final

from biddaemon.bidding.value import accepted_value, window_hours
from biddaemon.sandbox.decisions import budget
from biddaemon.sandbox.model import (
    RATE_TYPES,
    Competition,
    Fleet,
    Offer,
    RateType,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.sandbox.qualification import flex_capacity, planned_capacity, qualifying
from biddaemon.strategy.snapshot import Schedule

if TYPE_CHECKING:
    from biddaemon.strategy.portfolio.programme import Eligibility, Level, Problem, Slot

PENNY: Final = Decimal("0.01")
MW: Final = Decimal("0.001")
TIME_LIMIT_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Limit:
    """The limit row: what the best possible bids would have won."""

    status: str
    competitions_bid: int
    windows_bid: int
    mw_accepted: Decimal
    accepted_value: Decimal
    room_mw: Decimal  # what the fleet could have offered into the decided windows
    seconds: float
    by_competition: Mapping[str, Decimal] = field(default_factory=dict)  # accepted value


def decided_in_run(
    competitions: Iterable[Competition], start: datetime, end: datetime
) -> list[Competition]:
    """The competitions a strategy could bid into during [start, end) and saw decided."""
    return [
        c
        for c in competitions
        if not c.cancelled and c.competition_close > start and c.results_at <= end
    ]


def room_mw(competitions: Sequence[Competition], fleet: Fleet, derating: Decimal) -> Decimal:
    """Per decided window, the lesser of its need and the qualifying capacity after derating,
    summed: the most the fleet could have offered there (an asset counted in every window)."""
    total = Decimal("0.000")
    for competition in competitions:
        capacity = sum((mw for _, mw in _qualifying_mw(competition, fleet, derating)), MW * 0)
        for window in competition.windows():
            total += min(window.capacity_required, capacity)
    return total


def _qualifying_mw(
    competition: Competition, fleet: Fleet, derating: Decimal
) -> list[tuple[str, Decimal]]:
    """(asset key, MW it may offer in the need direction after derating) per qualifying asset."""
    assets = qualifying(fleet, competition)
    direction = competition.need_direction
    found = [(f"flex:{a.id}", flex_capacity(a, direction)) for a in assets.flex]
    found += [(f"planned:{a.id}", planned_capacity(a, direction)) for a in assets.planned]
    return [(key, _derated(mw, derating)) for key, mw in found if mw > 0]


def _derated(mw: Decimal, derating: Decimal) -> Decimal:
    return (mw * derating).quantize(MW, ROUND_DOWN)


def _asset_capacity(fleet: Fleet, derating: Decimal) -> dict[str, Decimal]:
    """Each asset's capacity in whichever direction is larger: overlapping windows of either
    direction share it, as the engine's ledger counts one asset once."""
    found = {
        f"flex:{a.id}": max(a.active_export_capacity, a.active_import_capacity) for a in fleet.flex
    }
    found |= {f"planned:{a.id}": a.capacity_value for a in fleet.planned}
    return {key: _derated(mw, derating) for key, mw in found.items()}


def _value_per_mw(rates: dict[RateType, Decimal], hours: Decimal) -> Decimal:
    """What an accepted MW earns at `rates` (`biddaemon.bidding.value`, the table's value)."""
    return accepted_value(Decimal(1), rates.get("availability"), rates.get("service_fee"), hours)


def _rank(competition: Competition, rates: dict[RateType, Decimal]) -> tuple[Decimal, ...]:
    return tuple(rates[t] for t in RATE_TYPES[competition.type])


def _budgets(competition: Competition) -> dict[RateType, Decimal] | None:
    """The highest price per rate within the DSO's budget, to the penny."""
    found: dict[RateType, Decimal] = {}
    for rate_type in RATE_TYPES[competition.type]:
        most = budget(competition, rate_type)
        if most is None or most < PENNY:
            return None
        found[rate_type] = most.quantize(PENNY, ROUND_DOWN)
    return found


def price_levels(
    competition: Competition, window: ServiceWindow, rivals: Sequence[Offer]
) -> list[tuple[dict[RateType, Decimal], Decimal]]:
    """(rates, cumulative cap) of each level worth offering in `window`, cheapest first."""
    top = _budgets(competition)
    if top is None:
        return []
    primary = RATE_TYPES[competition.type][0]
    within = [
        (_rank(competition, {r.type: r.value for r in o.rates}), o.capacity)
        for o in rivals
        if all(r.value <= top[r.type] for r in o.rates)
    ]
    within.sort()
    prices = {top[primary]} | {
        rank[0] - PENNY for rank, _ in within if PENNY <= rank[0] - PENNY <= top[primary]
    }
    levels = []
    for price in sorted(prices):
        rates = dict(top)
        rates[primary] = price
        ours = _rank(competition, rates)
        remaining = window.capacity_required
        for rank, capacity in within:  # the DSO's queue ahead of us: rivals win exact ties
            if rank > ours:
                break
            if capacity <= remaining:
                remaining -= capacity
        if remaining > 0:
            levels.append((rates, remaining))
    return levels


def build_problem(
    competitions: Sequence[Competition], fleet: Fleet, derating: Decimal
) -> tuple[Problem, dict[tuple[str, str], list[Decimal]]]:
    """The programme's input, and the value per MW of each level of each slot."""
    from biddaemon.strategy.portfolio.programme import Eligibility, Level, Problem, Slot

    slots: list[Slot] = []
    levels: list[Level] = []
    eligibility: list[Eligibility] = []
    values: dict[tuple[str, str], list[Decimal]] = {}
    for competition in competitions:
        if competition.type == "utilisation":
            continue  # earns nothing in the table's value: see the module docstring
        assets = _qualifying_mw(competition, fleet, derating)
        if not assets:
            continue
        for period in competition.service_periods:
            for window in period.windows:
                rivals = [o for o in competition.rival_offers if o.service_window_id == window.id]
                offered = price_levels(competition, window, rivals)
                if not offered:
                    continue
                hours = _hours(period, window)
                key = (competition.id, window.id)
                slots.append(
                    Slot(competition.id, window.id, _schedule(period, window), hours,
                         window.capacity_required)
                )  # fmt: skip
                values[key] = []
                for number, (rates, cap) in enumerate(reversed(offered)):  # dearest first
                    value = _value_per_mw(rates, hours)
                    values[key].append(value)
                    levels.append(
                        Level(competition.id, window.id, number,
                              {str(t): v for t, v in rates.items()}, value, Decimal(1), cap)
                    )  # fmt: skip
                eligibility.extend(
                    Eligibility(asset, competition.id, window.id, mw) for asset, mw in assets
                )
    problem = Problem(
        slots=tuple(slots),
        levels=tuple(levels),
        eligibility=tuple(eligibility),
        asset_capacity_mw=_asset_capacity(fleet, derating),
        frozen=(),
    )
    return problem, values


def _hours(period: ServicePeriod, window: ServiceWindow) -> Decimal:
    return window_hours(
        window.start_time, window.end_time, window.days, period.start_date, period.end_date
    )


def _schedule(period: ServicePeriod, window: ServiceWindow) -> Schedule:
    return Schedule(
        period.start_date,
        period.end_date,
        window.start_time,
        window.end_time,
        frozenset(window.days),
    )


def solve_limit(competitions: Sequence[Competition], fleet: Fleet, derating: Decimal) -> Limit:
    """The limit row for the decided `competitions` and the provider's `fleet`."""
    from biddaemon.strategy.portfolio.programme import solve

    problem, values = build_problem(competitions, fleet, derating)
    solution = solve(problem, time_limit_seconds=TIME_LIMIT_SECONDS)
    by_competition: dict[str, Decimal] = {}
    for (competition_id, window_id, _, level), mw in sorted(solution.mw.items()):
        worth = values[(competition_id, window_id)][level] * mw
        by_competition[competition_id] = by_competition.get(competition_id, Decimal(0)) + worth
    value = sum(by_competition.values(), Decimal(0))
    won = {(c, w) for (c, w, _, _), mw in solution.mw.items() if mw > 0}
    return Limit(
        status=solution.status,
        competitions_bid=len({c for c, _ in won}),
        windows_bid=len(won),
        mw_accepted=sum(solution.mw.values(), Decimal("0.000")),
        accepted_value=value.quantize(PENNY),
        room_mw=room_mw(competitions, fleet, derating),
        seconds=solution.seconds,
        by_competition=by_competition,
    )
