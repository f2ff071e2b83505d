"""For random fleets, competitions and frozen promises: the portfolio's solution never gives an
asset more than its capacity in any half hour (checked day by day, slot by slot, by this file's
own reading of the windows, not the programme's), and every ballot the engine builds from its
proposals is accepted by the sandbox's independent referee, with no MW promised twice.

Generators and the referee's view of competitions come from the engine's property test."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from biddaemon.bidding import commitments_from_record, decide
from biddaemon.sandbox.model import Fleet
from biddaemon.settings import StrategySettings
from biddaemon.strategy.acceptance import PRIOR
from biddaemon.strategy.base import CycleInputs
from biddaemon.strategy.portfolio import PortfolioStrategy, programme
from biddaemon.strategy.portfolio.inputs import build_problem
from biddaemon.strategy.snapshot import DAYS, Commitment, Schedule, StrategyInput
from tests.bidding.test_referee_property import (
    MARGIN,
    NOW,
    _assert_never_promised_twice,
    _asset_specs,
    _judge,
    _snapshot_of,
    competitions,
    flex_assets,
    half_hours,
)

SLOT = timedelta(minutes=30)

price_levels = st.lists(
    st.decimals(Decimal("0.50"), Decimal("1.20"), places=2), min_size=1, max_size=3, unique=True
).map(lambda levels: ",".join(str(level) for level in levels))


@st.composite
def frozen_promises(draw: st.DrawFn, fleet_size: int) -> tuple[Commitment, ...]:
    promises = []
    for number in range(draw(st.integers(0, 3))):
        start = date(2028, 3, 20) + timedelta(days=draw(st.integers(0, 10)))
        promises.append(
            Commitment(
                asset_id=f"f{draw(st.integers(0, fleet_size - 1))}",
                competition_id=f"closed{number}",
                window_id=f"closed{number}-w",
                schedule=Schedule(
                    start,
                    start + timedelta(days=draw(st.integers(1, 10))),
                    draw(half_hours),
                    draw(half_hours),
                    frozenset(draw(st.sets(st.sampled_from(DAYS), min_size=1))),
                ),
                capacity=draw(st.decimals(Decimal("0.001"), Decimal("3"), places=3)),
            )
        )
    return tuple(promises)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    fleet = [draw(flex_assets(i)) for i in range(draw(st.integers(1, 5)))]
    return {
        "fleet": fleet,
        "competitions": [draw(competitions(i)) for i in range(draw(st.integers(1, 4)))],
        "frozen": draw(frozen_promises(len(fleet))),
        "settings": StrategySettings(
            name="portfolio",
            portfolio_price_levels=draw(price_levels),
            derating_factor=draw(st.decimals(Decimal("0.5"), Decimal("1"), places=2)),
        ),
    }


def _half_hours(schedule: Schedule) -> set[datetime]:
    """Every half hour (naive GB wall clock) in which `schedule` runs."""
    slots: set[datetime] = set()
    day = schedule.start_date
    while day < schedule.end_date:
        if DAYS[day.weekday()] in schedule.days:
            moment = datetime.combine(day, schedule.start_time)
            end_day = day + timedelta(days=1) if schedule.crosses_midnight else day
            end = datetime.combine(end_day, schedule.end_time)
            while moment < end:
                slots.add(moment)
                moment += SLOT
        day += timedelta(days=1)
    return slots


def _assert_within_capacity(problem: programme.Problem, solution: programme.Solution) -> None:
    """In every half hour an asset is planned in, the plan plus what is frozen then fits it."""
    schedules = {(s.competition_id, s.window_id): s.schedule for s in problem.slots}
    planned: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    for (competition_id, window_id, asset, _), mw in solution.mw.items():
        for moment in _half_hours(schedules[competition_id, window_id]):
            planned[asset, moment] += mw
    frozen: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    for held in problem.frozen:
        for moment in _half_hours(held.schedule):
            frozen[held.asset_id, moment] += held.capacity
    for (asset, moment), total in planned.items():
        capacity = problem.asset_capacity_mw[asset]
        assert total + frozen[asset, moment] <= capacity, (asset, moment, total, capacity)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_plan_fits_every_asset_and_its_ballots_pass_the_referee(
    scenario: dict[str, Any],
) -> None:
    fleet = scenario["fleet"]
    provider_fleet = Fleet(
        flex=tuple(a for a, _ in fleet),
        planned=tuple(p for _, planned in scenario["competitions"] for p in planned),
    )
    inputs = [
        StrategyInput(
            competition=_snapshot_of(competition),
            assets=_asset_specs(competition, fleet, planned),
            previous=None,
            commitments=scenario["frozen"],
            settings=scenario["settings"],
            now=NOW,
        )
        for competition, planned in scenario["competitions"]
    ]
    cycle = CycleInputs(tuple(inputs), PRIOR, MARGIN)

    problem, _ = build_problem(cycle)
    solution = programme.solve(problem, time_limit_seconds=30)
    assert solution.status == "optimal", solution.detail
    _assert_within_capacity(problem, solution)
    for slot in problem.slots:
        total = sum(solution.by_slot.get((slot.competition_id, slot.window_id), {}).values())
        assert total <= slot.need_mw

    strategy = PortfolioStrategy()
    strategy.plan_cycle(cycle)
    if solution.mw:
        event("the plan offers some MW")
    if any(len(levels) > 1 for levels in solution.by_slot.values()):
        event("a split bid")
    live: dict[str, dict[str, Any]] = {}
    for snapshot, (competition, _) in zip(inputs, scenario["competitions"], strict=True):
        earlier = [c for record in live.values() for c in commitments_from_record(record)]
        snapshot = replace(snapshot, commitments=(*scenario["frozen"], *earlier))
        decision = decide(strategy, snapshot, safety_margin=MARGIN, allow_overbooking=False)
        if decision.plan is None:
            continue
        assert not decision.record["rejected"], decision.record["rejected"]
        event("a planned ballot")
        if any(b["reductions"] for b in decision.record["bids"]):
            event("the engine reduced a planned bid")
        _judge(competition, provider_fleet, decision, None)
        live[competition.id] = decision.record
        _assert_never_promised_twice(live, fleet)


def test_a_half_hour_reader_sees_a_window_across_midnight_on_the_next_day() -> None:
    late = Schedule(date(2028, 3, 20), date(2028, 3, 21), time(23), time(1), frozenset(DAYS))
    assert datetime(2028, 3, 21, 0, 30) in _half_hours(late)
