"""Strategies a user might write; the tests load them as `tests.strategy.user_strategies:X`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from biddaemon.strategy.base import Proposal, ProposedBid, Skip, WindowOutcome
from biddaemon.strategy.snapshot import StrategyInput


class HalfCapacity:
    """Bids half of each window at a price from `options["price"]`; fails on a poisoned id."""

    name = "half-capacity"

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        if snapshot.competition.id == snapshot.options.get("fail_on"):
            raise RuntimeError(f"cannot price {snapshot.competition.id}")
        price = Decimal(snapshot.options.get("price", "10.00"))
        rates = dict.fromkeys(snapshot.competition.required_rates or (), price)
        outcomes: list[WindowOutcome] = []
        for window in snapshot.competition.windows:
            if window.capacity_required <= 0:
                outcomes.append(Skip(window.id, "nothing needed"))
                continue
            bid = ProposedBid(capacity=window.capacity_required / 2, rates=rates)
            outcomes.append(Proposal(window.id, (bid,)))
        return outcomes


class NoPropose:
    name = "no-propose"


class NeedsArguments:
    name = "needs-arguments"

    def __init__(self, price: Decimal) -> None:
        self.price = price

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        return []


class Nameless:
    name = ""

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        return []


not_a_class = HalfCapacity()
