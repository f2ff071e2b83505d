"""The one definition of "at most N places" and "fits the column", for MW and money.

The store's `Amount` columns and the market's wire models both use these rules, so a value the
client accepts can always be stored: `NUMERIC(14, 3)` for MW and MWh, `NUMERIC(14, 2)` for
money. A value that has more places than allowed is either refused (`check_places`, the store's
rule: rounding there would be a silent business decision) or quantised (`quantise`, the wire's
rule where the market's number is float noise and the direction of rounding is chosen per field).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

MW_PLACES = 3
MONEY_PLACES = 2
PRECISION = 14
"""Significant digits of every Amount column (NUMERIC(14, scale))."""

__all__ = [
    "MONEY_MAX",
    "MONEY_PLACES",
    "MW_MAX",
    "MW_PLACES",
    "PRECISION",
    "ROUND_DOWN",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "check_fits",
    "check_places",
    "limit_for",
    "quantise",
]


def limit_for(places: int, precision: int = PRECISION) -> Decimal:
    """The largest magnitude NUMERIC(precision, places) holds: 99999999999.999 for (14, 3)."""
    return Decimal(10) ** (precision - places) - Decimal(1).scaleb(-places)


MW_MAX = limit_for(MW_PLACES)
MONEY_MAX = limit_for(MONEY_PLACES)


def check_fits(value: Decimal, places: int, precision: int = PRECISION) -> Decimal:
    """`value` if it is finite and its magnitude fits NUMERIC(precision, places); else ValueError.

    Checked before any quantising: `Decimal.quantize` of a huge number raises InvalidOperation.
    """
    if not value.is_finite():
        raise ValueError(f"must be a finite number, not {value}")
    limit = limit_for(places, precision)
    if value.copy_abs() > limit:  # abs() rounds in the context: it overflows on 1e999999999
        raise ValueError(f"must be at most {limit} in magnitude")
    return value


def check_places(value: Decimal, places: int, precision: int = PRECISION) -> Decimal:
    """`value` unchanged if it fits and has at most `places` decimal places; else ValueError."""
    check_fits(value, places, precision)
    exact = value.quantize(Decimal(1).scaleb(-places))
    if exact != value:
        raise ValueError(f"{value} has more than {places} decimal places")
    return exact


def quantise(
    value: Decimal, places: int, rounding: str = ROUND_HALF_EVEN, precision: int = PRECISION
) -> Decimal:
    """`value` rounded to exactly `places` places (after checking that it fits)."""
    check_fits(value, places, precision)
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
