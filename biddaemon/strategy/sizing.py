"""How much the fleet can offer into one window, and for how long: shared by the built-ins.

Both built-in strategies size a bid the same way, so only their prices differ (they hand their
rates to `bid_every_window`, which sizes and proposes one bid per window):
capacity is the lesser of the window's `capacity_required` and the qualified capacity times the
derating factor; max runtime is the shortest any asset can sustain (its energy over its power,
capped by its own runtime limit). The engine later allocates the capacity over the assets and
reduces it by what is committed elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from biddaemon.strategy.base import BasisValue, Proposal, ProposedBid, Skip, WindowOutcome
from biddaemon.strategy.snapshot import AssetSpec, StrategyInput, WindowSpec

_SECONDS_PER_HOUR = Decimal(3600)


def bidding_assets(snapshot: StrategyInput) -> tuple[AssetSpec, ...]:
    """The assets a ballot can include: the previous ballot's set when resubmitting (the market
    requires exactly that set), else every qualifying asset with capacity in the need direction."""
    if snapshot.previous is not None:
        keys = snapshot.previous.asset_keys
        return tuple(a for a in snapshot.assets if a.key in keys)
    return tuple(a for a in snapshot.assets if a.capacity > 0)


def qualified_capacity(assets: Iterable[AssetSpec]) -> Decimal:
    return sum((a.capacity for a in assets), Decimal("0.000"))


_RUNTIMES: dict[int, tuple[AssetSpec, timedelta | None]] = {}
_RUNTIMES_KEPT = 65536


def asset_runtime(asset: AssetSpec) -> timedelta | None:
    """How long this asset can deliver its full capacity; None when nothing limits it.

    A fleet is sized for every competition, so it is worked out once per asset object (by
    identity: hashing a dataclass of every field cost more than the sum; the cache keeps the
    asset, so its id cannot be reused while cached)."""
    hit = _RUNTIMES.get(id(asset))
    if hit is not None and hit[0] is asset:
        return hit[1]
    if len(_RUNTIMES) >= _RUNTIMES_KEPT:
        _RUNTIMES.clear()
    runtime = _asset_runtime(asset)
    _RUNTIMES[id(asset)] = (asset, runtime)
    return runtime


def _asset_runtime(asset: AssetSpec) -> timedelta | None:
    limits: list[timedelta] = []
    if asset.energy_mwh is not None and asset.capacity > 0:
        hours = asset.energy_mwh / asset.capacity
        seconds = (hours * _SECONDS_PER_HOUR).to_integral_value(rounding=ROUND_DOWN)
        limits.append(timedelta(seconds=int(seconds)))
    if asset.max_runtime is not None:
        limits.append(asset.max_runtime)
    return min(limits) if limits else None


def fleet_runtime(assets: Iterable[AssetSpec]) -> timedelta | None:
    """The shortest runtime of any asset with capacity: the whole bid can be held that long."""
    runtimes = [r for a in assets if a.capacity > 0 if (r := asset_runtime(a)) is not None]
    return min(runtimes) if runtimes else None


@dataclass(frozen=True, slots=True)
class Fleet:
    """What the ballot's assets can do together, worked out once per competition."""

    assets: tuple[AssetSpec, ...]
    qualified: Decimal
    runtime: timedelta | None

    @classmethod
    def of(cls, snapshot: StrategyInput) -> Fleet:
        assets = bidding_assets(snapshot)
        return cls(assets, qualified_capacity(assets), fleet_runtime(assets))


@dataclass(frozen=True, slots=True)
class Sizing:
    capacity: Decimal
    max_runtime: timedelta | None
    basis: dict[str, BasisValue]


def size_bid(fleet: Fleet, window: WindowSpec, derating: Decimal) -> Sizing | str:
    """The capacity and runtime to offer into `window`, or why nothing can be offered."""
    if window.capacity_required <= 0:
        return f"window {window.id} requires no capacity"
    if fleet.qualified <= 0:
        return "no qualifying asset has capacity in the need direction"
    runtime = fleet.runtime
    if runtime is not None and runtime <= timedelta(0):
        return "an asset cannot sustain any runtime (no energy or a zero runtime limit)"
    derated = fleet.qualified * derating
    basis: dict[str, BasisValue] = {
        "capacity_required": window.capacity_required,
        "qualified_capacity": fleet.qualified,
        "derating_factor": derating,
        "derated_capacity": derated,
        "max_runtime_from": "shortest asset runtime (energy / power, capped by its limit)"
        if runtime is not None
        else "no asset states an energy or runtime limit: max_runtime not sent",
    }
    return Sizing(capacity=min(window.capacity_required, derated), max_runtime=runtime, basis=basis)


def skip_every_window(snapshot: StrategyInput, reason: str) -> list[WindowOutcome]:
    """The competition cannot be bid: every window skipped for the same reason."""
    return [Skip(w.id, reason) for w in snapshot.competition.windows]


def bid_every_window(
    snapshot: StrategyInput, rates: dict[str, Decimal], basis: dict[str, BasisValue]
) -> list[WindowOutcome]:
    """One bid per window at `rates`, sized by `size_bid` (its basis added to `basis`); a window
    that cannot be sized is skipped with the reason."""
    fleet = Fleet.of(snapshot)
    outcomes: list[WindowOutcome] = []
    for window in snapshot.competition.windows:
        sizing = size_bid(fleet, window, snapshot.settings.derating_factor)
        if not isinstance(sizing, Sizing):
            outcomes.append(Skip(window.id, sizing))
            continue
        bid = ProposedBid(
            capacity=sizing.capacity,
            rates=rates,
            max_runtime=sizing.max_runtime,
            basis={**basis, **sizing.basis},
        )
        outcomes.append(Proposal(window.id, (bid,)))
    return outcomes
