"""How bids are priced and sized: `BIDDAEMON_STRATEGY__*`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

BUILTIN_STRATEGIES = ("guide-price", "fixed-price", "portfolio")
_STRATEGY_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_Price = Annotated[Decimal, Field(gt=0, decimal_places=2)]
_PriceFloor = Annotated[Decimal, Field(ge=Decimal("0.01"), decimal_places=2)]


class StrategySettings(BaseModel):
    """How bids are priced and sized (`BIDDAEMON_STRATEGY__*`); see biddaemon/strategy/.

    `name` is a built-in (`guide-price`, `fixed-price`, `portfolio`) or an import path
    `package.module:Class`.
    Guide-price bids `price_fraction` of each guide price, never below the rate's floor; both
    built-ins offer the lesser of `capacity_required` and the qualified capacity times
    `derating_factor`. Fixed-price bids the `*_price` of each rate. `allow_overbooking` lets the
    engine promise an asset's capacity in overlapping windows of different competitions.
    Portfolio offers split bids at `portfolio_price_levels` (fractions of the guide price, each
    at least the rate's floor) from one linear programme per cycle, solved within
    `portfolio_time_limit_seconds` (else guide-price for that cycle).
    `options` (`BIDDAEMON_STRATEGY__OPTIONS__<KEY>`) is passed as is to a user strategy.
    """

    model_config = ConfigDict(frozen=True)

    name: str = "guide-price"
    price_fraction: Decimal = Field(default=Decimal("0.95"), gt=0, le=1)
    availability_floor: _PriceFloor = Decimal("0.01")
    utilisation_floor: _PriceFloor = Decimal("0.01")
    service_fee_floor: _PriceFloor = Decimal("0.01")
    derating_factor: Decimal = Field(default=Decimal("0.90"), gt=0, le=1)
    availability_price: _Price | None = None
    utilisation_price: _Price | None = None
    service_fee_price: _Price | None = None
    allow_overbooking: bool = False
    portfolio_price_levels: str = "0.80,0.90,0.97"
    portfolio_time_limit_seconds: float = Field(default=10.0, gt=0, le=600)
    options: dict[str, str] = Field(default_factory=dict)

    @field_validator("portfolio_price_levels")
    @classmethod
    def _price_levels(cls, value: str) -> str:
        try:
            levels = [Decimal(part.strip()) for part in value.split(",") if part.strip()]
        except ArithmeticError:
            levels = []
        if not levels or not all(level.is_finite() and 0 < level <= 2 for level in levels):
            raise ValueError(
                "must be fractions of the guide price, comma separated, each in (0, 2], "
                "e.g. 0.80,0.90,0.97"
            )
        if len(set(levels)) != len(levels) or len(levels) > 10:
            raise ValueError("must be at most 10 distinct fractions")
        return ",".join(str(level) for level in sorted(levels))

    @property
    def price_levels(self) -> tuple[Decimal, ...]:
        """`portfolio_price_levels` as Decimals, cheapest first."""
        return tuple(Decimal(part) for part in self.portfolio_price_levels.split(","))

    @field_validator("name")
    @classmethod
    def _known_or_import_path(cls, value: str) -> str:
        value = value.strip()
        if value in BUILTIN_STRATEGIES or _STRATEGY_IMPORT_PATH.match(value):
            return value
        raise ValueError(
            f"must be {' or '.join(BUILTIN_STRATEGIES)}, or an import path such as "
            "package.module:ClassName"
        )
