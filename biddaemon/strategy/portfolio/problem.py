"""The portfolio programme's data: what goes in (`Problem`) and what comes out (`Solution`).

Kept apart from the solver (`programme`) and the model building (`model`) so that both, and
callers such as the backtest's limit, share one definition; `programme` re-exports them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from biddaemon.strategy.snapshot import Commitment, Schedule

Status = Literal["optimal", "time_limit", "infeasible", "error"]
Rule = Literal["instant", "engine"]
Key = tuple[str, str, str, int]  # (competition, window, asset, level)


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
    value_per_mw: Decimal  # GBP per MW if accepted (`portfolio.value`, as `bidding.value`)
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
