"""The portfolio's linear programme: MW per (competition, window, asset, price level), one solve.

Used by the `portfolio` strategy (probabilities from the acceptance model) and by the backtest's
limit (acceptance known). Pure: no I/O; HiGHS (`highspy`) is imported when a problem is solved.

Maximise  sum over levels of value_per_mw x probability x MW
such that, with x[s, a, l] >= 0 the MW of asset a in slot s at price level l:

- per asset and per set of its slots running at one instant (exact on the GB wall clock:
  `instants`), the MW over those slots and all levels, plus the asset's frozen commitments
  running then, is at most the asset's capacity (a frozen excess leaves it nothing, never a
  negative bound) — `rule="instant"`, the default: what is physically possible (the
  backtest's limit). `rule="engine"` is the engine's own check instead (`bidding.allocation`),
  so the engine accepts what is planned: per asset and per slot, its MW plus that of every slot
  overlapping it that is decided before it (`Slot.order`) plus every frozen commitment
  overlapping it, summed whether or not those overlap each other;
- per slot, the MW over assets and levels is at most `need_mw`;
- per (slot, level) with `cumulative_cap_mw`, the MW at that level and the cheaper ones of the
  slot is at most the cap;
- per eligibility, the asset's MW in the slot is at most `max_mw` (no eligibility: nothing).

Solved in an equivalent smaller form: y[s, p] (the MW of a pool of assets in a slot, over
levels: `_pools`) and z[s, l] (a level's MW in a slot, over assets) with sum_l z <= sum_p y per
slot; any such pair splits into x with those sums (the north-west corner rule over pools and
levels in sorted order, then each pool's part over its assets in proportion to capacity), so the
optimum is the same and the model is (pools + levels) per slot wide, not assets x levels. Levels
worth nothing are bounded at 0 MW (nothing is offered that cannot earn).

The answer is in whole kW, like the engine: rounded down, then each constraint is checked again
in exact integers and any excess (a solver tolerance) is taken back, so the MW returned always
satisfy every constraint exactly. The same input gives the same answer: everything is put in a
canonical order before the model is built, and HiGHS runs single-threaded with a fixed seed. A
large model (over `_LARGE` nonzeros) is solved by the interior point method without crossover:
several times faster there than the simplex, and its answer, an interior point of the optimal
face, is rounded and checked like any other (it may split MW between equally good windows
where the simplex would pick one).
Asset ids are plain strings: frozen commitments are matched to `asset_capacity_mw` by their
`asset_id` (a caller whose flex and planned ids may collide makes them distinct, e.g.
"flex:ID").
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from biddaemon.strategy.portfolio.instants import (
    Mask,
    distinct_rows,
    maximal_rows,
    running_together,
)
from biddaemon.strategy.snapshot import Commitment, Schedule

if TYPE_CHECKING:
    import numpy.typing as npt

Status = Literal["optimal", "time_limit", "infeasible", "error"]
Rule = Literal["instant", "engine"]
Key = tuple[str, str, str, int]  # (competition, window, asset, level)
_KW = Decimal("0.001")
_LARGE = 50_000  # nonzeros from which the interior point method (no crossover) is used


@dataclass(frozen=True, slots=True)
class Slot:
    """One (competition, window) we may bid into."""

    competition_id: str
    window_id: str
    schedule: Schedule
    hours: Decimal  # hours the window runs (the value multiplier)
    need_mw: Decimal  # capacity_required: the total MW over all our bids in it
    order: int = 0  # when the engine decides it (rule "engine"): competitions, then windows


@dataclass(frozen=True, slots=True)
class Level:
    """One price level of one slot; level 0 is the cheapest."""

    competition_id: str
    window_id: str
    level: int
    rates: Mapping[str, Decimal]
    value_per_mw: Decimal  # GBP per MW if accepted (price x hours: `portfolio.value`)
    probability: Decimal  # P(accepted) in [0, 1]
    cumulative_cap_mw: Decimal | None = None  # our MW at levels <= this one may not exceed it


@dataclass(frozen=True, slots=True)
class Eligibility:
    """An asset may serve a slot, up to `max_mw`."""

    asset_id: str
    competition_id: str
    window_id: str
    max_mw: Decimal


@dataclass(frozen=True, slots=True)
class Problem:
    slots: tuple[Slot, ...]
    levels: tuple[Level, ...]
    eligibility: tuple[Eligibility, ...]
    asset_capacity_mw: Mapping[str, Decimal]  # per asset, after derating
    frozen: tuple[Commitment, ...] = ()  # held elsewhere (accepted / closed / inside margin)
    rule: Rule = "instant"  # which capacity constraint: see the module docstring


@dataclass(frozen=True, slots=True)
class Solution:
    status: Status
    objective: Decimal  # expected value, GBP, of `mw`
    mw: Mapping[Key, Decimal]  # (competition, window, asset, level) -> MW, whole kW, > 0 only
    seconds: float
    rows: int
    columns: int
    nonzeros: int
    detail: str = ""  # why, when not optimal
    by_slot: Mapping[tuple[str, str], Mapping[int, Decimal]] = field(default_factory=dict)
    """MW per level of each slot (over assets): what a split bid offers."""
    build_seconds: float = 0.0  # of `seconds`, building the model (the rest: HiGHS, rounding)


def _kw_down(value: Decimal) -> int:
    return math.floor(value * 1000)


def _kw_up(value: Decimal) -> int:
    return math.ceil(value * 1000)


@dataclass(slots=True)
class _Model:
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


def build(problem: Problem) -> _Model:
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
    model = _Model(
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


def _slot_rows(model: _Model) -> None:
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


def _clique_rows(model: _Model, frozen: Mapping[str, list[Commitment]], rule: Rule) -> None:
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
    model: _Model, pool: int, mine: list[tuple[int, int]], held: list[Commitment], sets: Mask
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
    model: _Model, pool: int, mine: list[tuple[int, int]], held: list[Commitment], sets: Mask
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


def solve(problem: Problem, *, time_limit_seconds: float) -> Solution:
    """The best expected value; see the module docstring. Never raises for a solver failure:
    the status says what happened ("error" with `detail` when HiGHS itself failed)."""
    started = time.perf_counter()
    model = build(problem)
    built = time.perf_counter() - started
    rows, columns = len(model.row_upper), model.columns
    nonzeros = sum(len(c) for c in model.cols_i)
    try:
        status, values, detail = _run(model, time_limit_seconds)
    except Exception as exc:  # HiGHS raising is a failed solve, not a crash of the cycle
        status, values, detail = "error", None, f"{type(exc).__name__}: {exc}"
    if status != "optimal" or values is None:
        seconds = time.perf_counter() - started
        return Solution(
            status, Decimal(0), {}, seconds, rows, columns, nonzeros, detail, build_seconds=built
        )
    mw, by_slot, objective = _answer(model, values)
    seconds = time.perf_counter() - started
    return Solution(
        "optimal", objective, mw, seconds, rows, columns, nonzeros,
        by_slot=by_slot, build_seconds=built,
    )  # fmt: skip


_BANNER = threading.Lock()
_quieted = False


def _highs() -> Any:
    """A HiGHS instance; the first one of a process prints a banner on stdout, which would mix
    into `--json` output, so stdout is pointed at /dev/null while it is made."""
    global _quieted
    import highspy

    with _BANNER:
        if _quieted:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                return highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            _quieted = True


def _run(model: _Model, time_limit: float) -> tuple[Status, npt.NDArray[np.float64] | None, str]:
    import highspy

    if model.columns == 0:
        return "optimal", np.zeros(0), ""
    highs = _highs()
    options: list[tuple[str, object]] = [
        ("output_flag", False), ("time_limit", float(time_limit)), ("threads", 1),
        ("random_seed", 0), ("parallel", "off"),
    ]  # fmt: skip
    if sum(len(c) for c in model.cols_i) > _LARGE:
        options += [("solver", "ipm"), ("run_crossover", "off")]
    for option, value in options:
        highs.setOptionValue(option, value)
    lp = highspy.HighsLp()
    lp.num_col_ = model.columns
    lp.num_row_ = len(model.row_upper)
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.zeros(model.columns)
    lp.col_upper_ = model.upper
    lp.row_lower_ = np.full(lp.num_row_, -math.inf)
    lp.row_upper_ = np.array(model.row_upper, dtype=np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize
    if model.row_upper:
        rows = np.concatenate(model.rows_i)
        cols = np.concatenate(model.cols_i)
        vals = np.concatenate(model.vals)
        order = np.lexsort((rows, cols))
        counts = np.bincount(cols, minlength=model.columns)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        lp.a_matrix_.index_ = rows[order].astype(np.int32)
        lp.a_matrix_.value_ = vals[order]
    if highs.passModel(lp) == highspy.HighsStatus.kError:
        return "error", None, "HiGHS refused the model"
    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal", np.array(highs.getSolution().col_value, dtype=np.float64), ""
    if status == highspy.HighsModelStatus.kTimeLimit:
        return "time_limit", None, f"no optimum within {time_limit} s"
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, "the constraints cannot all hold"
    return "error", None, f"HiGHS ended with {highs.modelStatusToString(status)}"


def _answer(
    model: _Model, values: npt.NDArray[np.float64]
) -> tuple[dict[Key, Decimal], dict[tuple[str, str], dict[int, Decimal]], Decimal]:
    """Whole kW that satisfy every constraint exactly, split per (asset, level)."""
    kw = np.floor(np.round(np.maximum(values, 0.0) * 1e6) / 1000).astype(np.int64)
    for cols, room in model.cliques:  # take back what a tolerance let through, largest first
        excess = int(kw[cols].sum()) - room
        for col in sorted(cols.tolist(), key=lambda c: (-int(kw[c]), c)):
            if excess <= 0:
                break
            cut = min(excess, int(kw[col]))
            kw[col] -= cut
            excess -= cut
    mw: dict[Key, Decimal] = {}
    by_slot: dict[tuple[str, str], dict[int, Decimal]] = {}
    objective = Decimal(0)
    for at, slot in enumerate(model.slots):
        pools = [
            [pool, min(int(kw[model.y_start[at] + n]), cap)]
            for n, (pool, cap) in enumerate(model.served[at])
        ]
        levels = model.levels[at]
        z0 = model.z_start[at]
        wanted = [int(kw[z0 + n]) for n in range(len(levels))]
        total = min(sum(wanted), sum(p for _, p in pools), _kw_down(slot.need_mw))
        for number, level in enumerate(levels):  # cheapest first: dearer levels give way
            wanted[number] = min(wanted[number], max(total - sum(wanted[:number]), 0))
            if level.cumulative_cap_mw is not None:
                allowed = _kw_down(level.cumulative_cap_mw) - sum(wanted[:number])
                wanted[number] = max(min(wanted[number], allowed), 0)
        p = 0
        for number, level in enumerate(levels):  # north-west corner: pools in order
            need, placed = wanted[number], 0
            while need > 0 and p < len(pools):
                part = min(need, pools[p][1])
                if part > 0:
                    placed += _split(model.pools[pools[p][0]], part, slot, level.level, mw)
                    pools[p][1] -= part
                    need -= part
                if pools[p][1] == 0:
                    p += 1
            if placed > 0:
                amount = Decimal(placed) * _KW
                by_slot.setdefault((slot.competition_id, slot.window_id), {})[level.level] = amount
                objective += level.value_per_mw * level.probability * amount
    return mw, by_slot, objective


def _split(
    members: list[tuple[str, int]], part: int, slot: Slot, level: int, mw: dict[Key, Decimal]
) -> int:
    """`part` kW of a pool over its assets in proportion to their capacity, rounded down (so
    each asset stays within its own constraints); returns the kW placed."""
    total = sum(cap for _, cap in members)
    placed = 0
    for asset, cap in members:
        share = part * cap // total
        if share > 0:
            key = (slot.competition_id, slot.window_id, asset, level)
            mw[key] = mw.get(key, Decimal(0)) + Decimal(share) * _KW
            placed += share
    return placed
