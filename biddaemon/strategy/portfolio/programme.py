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

Solved in an equivalent smaller form: y[s, p] (the MW of a pool of assets in a slot, over levels:
`model._pools`) and z[s, l] (a level's MW in a slot, over assets) with sum_l z <= sum_p y per slot;
any such pair splits into x with those sums (the north-west corner rule over pools and levels in
sorted order, then each pool's part over its assets in proportion to capacity), so the optimum is
the same and the model is (pools + levels) per slot wide, not assets x levels. Levels worth nothing
are bounded at 0 MW (nothing is offered that cannot earn).

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
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from biddaemon.strategy.portfolio.model import Model, build
from biddaemon.strategy.portfolio.problem import (
    Eligibility,
    Key,
    Level,
    Problem,
    Rule,
    Slot,
    Solution,
    Status,
)
from biddaemon.strategy.portfolio.rounding import answer

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "Eligibility",
    "Key",
    "Level",
    "Problem",
    "Rule",
    "Slot",
    "Solution",
    "Status",
    "build",
    "solve",
]

_LARGE = 50_000  # nonzeros from which the interior point method (no crossover) is used


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
    mw, by_slot, objective = answer(model, values)
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


def _run(model: Model, time_limit: float) -> tuple[Status, npt.NDArray[np.float64] | None, str]:
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
