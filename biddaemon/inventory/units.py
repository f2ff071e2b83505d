"""Unit conversions and duration formats, explicit and exact, in one place.

Power and energy are `Decimal` MW / MWh in the inventory; Flatpeak speaks kW / kWh and LocalFlex
ramp rates kW/min, so every conversion is a power of ten applied to a `Decimal`, never a float.
Durations are `timedelta`; LocalFlex and the inventory file write them as ISO 8601 (`PT30M`,
parsed by `biddaemon.markets.localflex.durations`), Piclo as `HH:MM:SS`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from biddaemon.markets.localflex.durations import format_iso_duration, parse_iso_duration

KILO = 3  # powers of ten between k and M
MAX_MW_PLACES = 6  # one watt: finer than any platform, coarse enough to stay exact

__all__ = [
    "KILO",
    "MAX_MW_PLACES",
    "format_clock_duration",
    "format_iso_duration",
    "kilo_to_mega",
    "mega_to_kilo",
    "parse_iso_duration",
]


def kilo_to_mega(value: Decimal) -> Decimal:
    """kW -> MW, kWh -> MWh, exactly."""
    return value.scaleb(-KILO)


def mega_to_kilo(value: Decimal) -> Decimal:
    """MW -> kW, MWh -> kWh, exactly."""
    return value.scaleb(KILO)


def format_clock_duration(value: timedelta) -> str:
    """timedelta under a day -> `HH:MM:SS` (Piclo's asset durations)."""
    if value < timedelta(0) or value >= timedelta(days=1):
        raise ValueError("HH:MM:SS holds durations from zero up to, not including, one day")
    if value.microseconds:
        raise ValueError("durations are whole seconds")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
