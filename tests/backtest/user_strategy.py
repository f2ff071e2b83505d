"""A user's own strategy, loaded by the backtest as `tests.backtest.user_strategy:AtTheGuidePrice`,
as a user would test theirs against the built-ins before going live."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from biddaemon.strategy import StrategyInput, WindowOutcome
from biddaemon.strategy.sizing import bid_every_window, skip_every_window


class AtTheGuidePrice:
    """Every rate at exactly the guide price: more per MW than guide-price, won less often."""

    name = "at-the-guide-price"

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        competition = snapshot.competition
        rates: dict[str, Decimal] = {}
        for rate_type in competition.required_rates or ():
            guide = competition.guide_price(rate_type)
            if guide is None:
                return skip_every_window(snapshot, f"no {rate_type} guide price")
            rates[rate_type] = guide
        if not rates:
            return skip_every_window(snapshot, "unknown competition type")
        return bid_every_window(snapshot, rates, {"at_guide_price": True})
