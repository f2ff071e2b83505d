"""`fixed-price`: bid the operator's configured price for each rate type, whatever the guide says.

For an FSP that knows its own cost of delivery. A competition needing a rate with no configured
price (`BIDDAEMON_STRATEGY__AVAILABILITY_PRICE`, `..._UTILISATION_PRICE`, `..._SERVICE_FEE_PRICE`)
is skipped with the variable named, rather than bid at a guessed price. Sizing is the same as
guide-price's.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from biddaemon.settings import ENV_PREFIX, StrategySettings
from biddaemon.strategy.base import BasisValue, WindowOutcome
from biddaemon.strategy.sizing import bid_every_window, skip_every_window
from biddaemon.strategy.snapshot import RateType, StrategyInput


def configured_price(settings: StrategySettings, rate_type: RateType) -> Decimal | None:
    if rate_type == "availability":
        return settings.availability_price
    if rate_type == "utilisation":
        return settings.utilisation_price
    return settings.service_fee_price


def price_variable(rate_type: RateType) -> str:
    return f"{ENV_PREFIX}STRATEGY__{rate_type.upper()}_PRICE"


class FixedPriceStrategy:
    """Rates from settings, one per rate type; sizing as `sizing`."""

    name = "fixed-price"

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        competition = snapshot.competition
        required = competition.required_rates
        if required is None:
            reason = f"competition type {competition.type!r} is not known"
            return skip_every_window(snapshot, reason)

        rates: dict[str, Decimal] = {}
        basis: dict[str, BasisValue] = {}
        for rate_type in required:
            price = configured_price(snapshot.settings, rate_type)
            if price is None:
                reason = (
                    f"this {competition.type} competition needs a {rate_type} rate and "
                    f"{price_variable(rate_type)} is not set"
                )
                return skip_every_window(snapshot, reason)
            rates[rate_type] = price
            basis[f"{rate_type}_fixed_price"] = price

        return bid_every_window(snapshot, rates, basis)
