"""`guide-price`: bid a fraction of the system operator's guide prices, never below a floor.

The guide price is what the SO signals it expects to pay, so bidding a little under it
(`BIDDAEMON_STRATEGY__PRICE_FRACTION`, default 0.95) is competitive without being reckless; the
per-rate floors (`..._FLOOR`) stop a low guide price from dragging a bid below what the FSP will
deliver for. A window whose competition gives no guide price for a needed rate is skipped: this
strategy does not invent a price.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from biddaemon.settings import StrategySettings
from biddaemon.strategy.base import BasisValue, WindowOutcome
from biddaemon.strategy.sizing import bid_every_window, skip_every_window
from biddaemon.strategy.snapshot import RateType, StrategyInput


def floor_for(settings: StrategySettings, rate_type: RateType) -> Decimal:
    if rate_type == "availability":
        return settings.availability_floor
    if rate_type == "utilisation":
        return settings.utilisation_floor
    return settings.service_fee_floor


class GuidePriceStrategy:
    """Rates at `price_fraction` of each guide price (at least the floor); sizing as `sizing`."""

    name = "guide-price"

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        competition = snapshot.competition
        required = competition.required_rates
        if required is None:
            reason = f"competition type {competition.type!r} is not known"
            return skip_every_window(snapshot, reason)

        settings = snapshot.settings
        rates: dict[str, Decimal] = {}
        basis: dict[str, BasisValue] = {"price_fraction": settings.price_fraction}
        for rate_type in required:
            guide = competition.guide_price(rate_type)
            if guide is None:
                reason = f"the competition gives no {rate_type} guide price"
                return skip_every_window(snapshot, reason)
            floor = floor_for(settings, rate_type)
            fraction_price = guide * settings.price_fraction
            rates[rate_type] = max(fraction_price, floor)
            basis[f"{rate_type}_guide_price"] = guide
            basis[f"{rate_type}_floor"] = floor
            basis[f"{rate_type}_at_fraction"] = fraction_price
            basis[f"{rate_type}_floor_applied"] = fraction_price < floor

        return bid_every_window(snapshot, rates, basis)
