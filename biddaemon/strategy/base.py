"""The strategy interface: a snapshot in, per-window proposals or skips out.

A strategy only proposes. The engine (`biddaemon.bidding.engine`) decides what is sent: it
quantises, validates against the market's rules, allocates capacity over the assets and refuses
anything invalid, so a strategy can be simple (or wrong) without endangering a ballot.

What a strategy returns, per service window of the competition:

- `Proposal(window_id, bids)`: bid this (one bid, or several for a split bid). It replaces any bid
  the previous ballot had for the window.
- `Skip(window_id, reason)`: do not add a bid. A bid the previous ballot had for the window is
  still carried (resubmissions carry every bid unless deliberately changed), unless
  `withdraw=True` says to drop it on purpose.
- nothing for a window: the same as a skip without withdrawal, recorded as "no proposal".

`basis` holds the numbers a bid came from (guide price, fraction, floor, derating...); the engine
copies it into the decision record so `biddaemon history` can explain every figure.

A strategy that weighs competitions against each other also defines `plan_cycle(cycle)`
(`PlansCycle`): the opportunities job then reads every competition first and calls it once per
cycle, with every competition's input in decision order and the acceptance model learned from
our outcomes, before the first `propose`. Strategies without it keep streaming, decision by
decision, as the reads arrive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from biddaemon.strategy.acceptance import AcceptanceModel
from biddaemon.strategy.snapshot import StrategyInput

BasisValue = str | int | bool | Decimal | timedelta | None


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class ProposedBid:
    """One bid a strategy would like to make; values are checked and quantised by the engine."""

    capacity: Decimal
    rates: Mapping[str, Decimal]
    max_runtime: timedelta | None = None
    basis: Mapping[str, BasisValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", _frozen(self.rates))
        object.__setattr__(self, "basis", _frozen(self.basis))


@dataclass(frozen=True, slots=True)
class Proposal:
    """Bid into `window_id`; several bids make a split bid (their total obeys the limits)."""

    window_id: str
    bids: tuple[ProposedBid, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "bids", tuple(self.bids))


@dataclass(frozen=True, slots=True)
class Skip:
    """Do not bid into `window_id`, for `reason`; `withdraw` drops a previous bid on purpose."""

    window_id: str
    reason: str
    withdraw: bool = False


WindowOutcome = Proposal | Skip


@runtime_checkable
class Strategy(Protocol):
    """Anything with a `name` and a pure `propose`; see the module docstring for the contract.

    `propose` must not do I/O. It may raise: the engine then skips that competition only, and
    records the error.
    """

    @property
    def name(self) -> str: ...

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]: ...


@dataclass(frozen=True, slots=True)
class CycleInputs:
    """What a planning strategy sees once per cycle, before any of the cycle's decisions.

    `competitions`: each competition's input as `propose` will get it (its `commitments` are
    what it must respect as the cycle starts), in decision order; competitions whose reads
    failed are not here. `acceptance`: P(accepted) learned from our outcomes, read from the
    store by the job. `safety_margin`: the engine refuses a competition closing within it.
    """

    competitions: tuple[StrategyInput, ...]
    acceptance: AcceptanceModel
    safety_margin: timedelta

    def __post_init__(self) -> None:
        object.__setattr__(self, "competitions", tuple(self.competitions))


@runtime_checkable
class PlansCycle(Protocol):
    """A strategy that plans the whole cycle at once (optional, see the module docstring).

    `plan_cycle` must not do I/O either; it may raise, and the job then logs the error and
    decides the cycle with `propose` alone (which must cope with having no plan).
    """

    def plan_cycle(self, cycle: CycleInputs) -> None: ...
