"""Building the portfolio programme's model: columns, rows and the arrays HiGHS takes.

See `programme` for the programme itself; this module turns a `Problem` into it, in canonical
order: pools of assets alike (`_pools`), the per-slot rows, and the capacity rows per pool (per
instant, or the engine's rule).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from biddaemon.strategy.portfolio.instants import (
    Mask,
    distinct_rows,
    maximal_rows,
    running_together,
)
from biddaemon.strategy.portfolio.problem import Level, Problem, Rule, Slot
from biddaemon.strategy.snapshot import Commitment, Schedule

if TYPE_CHECKING:
    import numpy.typing as npt


def _kw_down(value: Decimal) -> int:
    return math.floor(value * 1000)


def _kw_up(value: Decimal) -> int:
    return math.ceil(value * 1000)


@dataclass(slots=True)
class Model:
    """The problem in canonical order, with the HiGHS arrays built from it."""

    slots: list[Slot]
    levels: list[list[Level]]  # per slot, cheapest first
    pools: list[list[tuple[str, int]]]  # per pool: its assets (id, capacity kW), sorted
    served: list[list[tuple[int, int]]]  # per slot: (pool, max kW), by pool
    y_start: list[int]  # first y column of each slot
    z_start: list[int]  # first z column of each slot
    columns: int
    cost: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    rows_i: list[npt.NDArray[np.int64]] = field(default_factory=list)
    cols_i: list[npt.NDArray[np.int64]] = field(default_factory=list)
    vals: list[npt.NDArray[np.float64]] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    cliques: list[tuple[npt.NDArray[np.int64], int]] = field(default_factory=list)  # y cols, kW

    def add_row(
        self, columns: npt.NDArray[np.int64], values: npt.NDArray[np.float64], upper: float
    ) -> None:
        self.rows_i.append(np.full(len(columns), len(self.row_upper), dtype=np.int64))
        self.cols_i.append(columns)
        self.vals.append(values)
        self.row_upper.append(upper)


def build(problem: Problem) -> Model:
    """The model, with its rows; raises ValueError when the problem refers to unknown slots."""
    slots = sorted(problem.slots, key=lambda s: (s.competition_id, s.window_id))
    index = {(s.competition_id, s.window_id): i for i, s in enumerate(slots)}
    if len(index) != len(slots):
        raise ValueError("a (competition, window) appears twice among the slots")
    levels: list[list[Level]] = [[] for _ in slots]
    for level in problem.levels:
        at = index.get((level.competition_id, level.window_id))
        if at is None:
            raise ValueError(f"level for unknown slot {level.competition_id}/{level.window_id}")
        levels[at].append(level)
    ordered_levels = [sorted(ls, key=lambda lv: lv.level) for ls in levels]
    frozen = _frozen_by_asset(problem)
    pools, served = _pools(problem, index, frozen, len(slots))
    y_start, z_start, cost, upper = [], [], [], []
    column = 0
    for slot_levels, slot_pools in zip(ordered_levels, served, strict=True):
        y_start.append(column)
        for _, kw in slot_pools:
            cost.append(0.0)
            upper.append(kw / 1000)
        column += len(slot_pools)
        z_start.append(column)
        for level in slot_levels:
            worth = float(level.value_per_mw * level.probability)
            cost.append(worth)
            upper.append(math.inf if worth > 0 and slot_pools else 0.0)
        column += len(slot_levels)
    model = Model(
        slots, ordered_levels, pools, served, y_start, z_start, column,
        np.array(cost, dtype=np.float64), np.array(upper, dtype=np.float64),
    )  # fmt: skip
    _slot_rows(model)
    _clique_rows(model, frozen, problem.rule)
    return model


def _frozen_by_asset(problem: Problem) -> dict[str, list[Commitment]]:
    frozen: dict[str, list[Commitment]] = defaultdict(list)
    for c in sorted(
        (c for c in problem.frozen if c.asset_id in problem.asset_capacity_mw and c.capacity > 0),
        key=lambda c: (c.asset_id, c.competition_id, c.window_id, c.capacity),
    ):
        frozen[c.asset_id].append(c)
    return frozen


def _pools(
    problem: Problem,
    index: Mapping[tuple[str, str], int],
    frozen: Mapping[str, list[Commitment]],
    count: int,
) -> tuple[list[list[tuple[str, int]]], list[list[tuple[int, int]]]]:
    """Assets that may serve the same slots, each up to the same share of its capacity, and hold
    the same frozen windows at the same share of their capacity, are one pool: any MW the pool
    can give splits over its assets in proportion to their capacity within every one of their
    constraints, so pooling loses nothing and makes the model as many times smaller as there are
    assets in a pool (assets in one area qualify for the same competitions, and the engine
    allocates largest first, so a held window usually holds whole assets)."""
    capacity = {a: max(_kw_down(mw), 0) for a, mw in problem.asset_capacity_mw.items()}
    eligible: dict[str, dict[int, int]] = defaultdict(dict)
    for item in problem.eligibility:
        at = index.get((item.competition_id, item.window_id))
        if at is None:
            raise ValueError(f"eligibility for unknown slot {item.competition_id}/{item.window_id}")
        if item.asset_id not in capacity:
            raise ValueError(f"eligibility of asset {item.asset_id}, which has no capacity")
        kw = min(max(_kw_down(item.max_mw), 0), capacity[item.asset_id])
        if kw > 0:
            eligible[item.asset_id][at] = max(eligible[item.asset_id].get(at, 0), kw)
    grouped: dict[object, list[tuple[str, int]]] = defaultdict(list)
    for asset in sorted(eligible):
        cap = capacity[asset]
        shares = tuple(sorted((at, _ratio(kw, cap)) for at, kw in eligible[asset].items()))
        held = tuple(
            (c.competition_id, c.window_id, c.schedule, _ratio(_kw_up(c.capacity), cap))
            for c in frozen.get(asset, ())
        )
        grouped[(shares, tuple(sorted(held, key=_held_order)))].append((asset, cap))
    pools = sorted(grouped.values())
    served: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for number, members in enumerate(pools):
        for at in sorted(eligible[members[0][0]]):
            served[at].append((number, sum(eligible[a][at] for a, _ in members)))
    return pools, served


def _held_order(item: tuple[str, str, Schedule, tuple[int, int]]) -> tuple[object, ...]:
    competition_id, window_id, schedule, ratio = item
    when = (schedule.start_date, schedule.end_date, schedule.start_time, schedule.end_time)
    return (competition_id, window_id, when, sorted(schedule.days), ratio)


def _ratio(part: int, whole: int) -> tuple[int, int]:
    common = math.gcd(part, whole)
    return (part // common, whole // common)


def _slot_rows(model: Model) -> None:
    for at, slot in enumerate(model.slots):
        ys = np.arange(model.y_start[at], model.z_start[at], dtype=np.int64)
        zs = np.arange(model.z_start[at], model.z_start[at] + len(model.levels[at]), dtype=np.int64)
        if len(zs) == 0:
            continue
        model.add_row(np.concatenate((zs, ys)),
                      np.concatenate((np.ones(len(zs)), -np.ones(len(ys)))), 0.0)  # fmt: skip
        model.add_row(zs, np.ones(len(zs)), _kw_down(slot.need_mw) / 1000)
        for number, level in enumerate(model.levels[at]):
            if level.cumulative_cap_mw is not None:
                cap = max(_kw_down(level.cumulative_cap_mw), 0)
                model.add_row(zs[: number + 1], np.ones(number + 1), cap / 1000)


def _clique_rows(model: Model, frozen: Mapping[str, list[Commitment]], rule: Rule) -> None:
    """Per pool, one row per maximal set of its slots running at one instant (with what its
    assets hold frozen then).

    Pools of the same slots (one area's assets, holding different frozen windows) share one
    pass over the instants, cut by every frozen window any of them holds; each pool then keeps
    its own columns. That is exact: every kind of instant of one pool is one (or more) of the
    finer kinds, the finer pass drops a set only when it is inside another, and a set inside
    another stays inside (or equal) once the other pools' columns are dropped."""
    columns_of: dict[int, list[tuple[int, int]]] = defaultdict(list)  # pool -> (slot, y column)
    for at, slot_pools in enumerate(model.served):
        for offset, (pool, _) in enumerate(slot_pools):
            columns_of[pool].append((at, model.y_start[at] + offset))
    alike: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for pool in sorted(columns_of):
        alike[tuple(at for at, _ in columns_of[pool])].append(pool)
    for slots, pools in alike.items():
        held_by = {pool: frozen.get(model.pools[pool][0][0], []) for pool in pools}
        extra = sorted(
            {
                (c.schedule, c.competition_id, c.window_id)
                for held in held_by.values()
                for c in held
            },
            key=lambda item: (item[1], item[2]),
        )
        column = {item: len(slots) + n for n, item in enumerate(extra)}
        schedules = [model.slots[at].schedule for at in slots] + [item[0] for item in extra]
        together = _maximal(running_together(schedules), len(slots))
        for pool in pools:
            held = held_by[pool]
            picked = list(range(len(slots))) + [
                column[(c.schedule, c.competition_id, c.window_id)] for c in held
            ]
            sets = together
            if extra:  # a set inside another stays inside once columns are dropped
                sets = _maximal(distinct_rows(together[:, picked]), len(slots))
            if rule == "engine":
                _add_engine_rows(model, pool, columns_of[pool], held, sets)
            else:
                _add_pool_rows(model, pool, columns_of[pool], held, sets)


def _add_pool_rows(
    model: Model, pool: int, mine: list[tuple[int, int]], held: list[Commitment], sets: Mask
) -> None:
    members = model.pools[pool]
    capacity = sum(cap for _, cap in members)
    y_cols = np.array([col for _, col in mine], dtype=np.int64)
    held_kw = np.array(  # the pool's frozen kW per commitment: the scale times the pool
        [_kw_up(c.capacity) * capacity // members[0][1] for c in held], dtype=np.int64
    )
    for row in sets:
        cols = y_cols[row[: len(mine)]]
        room = max(capacity - int(held_kw[row[len(mine) :]].sum()), 0)
        model.add_row(cols, np.ones(len(cols)), room / 1000)
        model.cliques.append((cols, room))


def _add_engine_rows(
    model: Model, pool: int, mine: list[tuple[int, int]], held: list[Commitment], sets: Mask
) -> None:
    """The engine's rule, per slot of the pool: its MW, plus the MW of every slot overlapping it
    (at any instant) that the engine decides before it, plus every frozen commitment overlapping
    it, within what the pool may give that slot (the engine nets every holding against the
    capacity in the deciding competition's need direction). Two windows overlap when some set
    running together holds both (every overlapping pair is in one of the largest sets)."""
    members = model.pools[pool]
    capacity = sum(cap for _, cap in members)
    count = len(mine)
    y_cols = np.array([col for _, col in mine], dtype=np.int64)
    held_kw = np.array(
        [_kw_up(c.capacity) * capacity // members[0][1] for c in held], dtype=np.int64
    )
    weights = sets.astype(np.float32)
    meets = (weights.T @ weights) > 0
    keys = [(model.slots[at].order, at) for at, _ in mine]
    rank = np.empty(count, dtype=np.int64)
    rank[sorted(range(count), key=keys.__getitem__)] = np.arange(count)
    served = {
        at: kw for at, slot_pools in enumerate(model.served) for p, kw in slot_pools if p == pool
    }
    for i in range(count):
        earlier = np.flatnonzero(meets[i, :count] & (rank < rank[i]))
        cols = y_cols[np.concatenate(([i], earlier))]
        # what the pool may give this slot (its capacity in this competition's direction)
        room = max(served[mine[i][0]] - int(held_kw[meets[i, count:]].sum()), 0)
        model.add_row(cols, np.ones(len(cols)), room / 1000)
        model.cliques.append((cols, room))


def _maximal(sets: Mask, slots: int) -> Mask:
    """The sets with at least one slot (frozen alone constrains nothing), none contained in
    another."""
    sets = sets[sets[:, :slots].any(axis=1)] if len(sets) else sets
    return sets[maximal_rows(sets)]
