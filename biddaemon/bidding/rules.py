"""Every rule a ballot must obey, one small function each, in one place.

Each check returns None when the rule holds, or the reason it does not, written for a person
reading `biddaemon history`. The rules are the market's (docs/piclo-flex-api.md, "Ballots") plus
our own safety margin before the close. Quantising lives here too: capacity is rounded DOWN to
3 places (rounding up could break a limit), prices to 2 places half-up (a floor that is itself a
whole number of pence can therefore never be crossed), runtimes down to whole seconds.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Final

from biddaemon.strategy.snapshot import AssetKind, CompetitionSnapshot, WindowSpec

CAPACITY_QUANTUM: Final = Decimal("0.001")
PRICE_QUANTUM: Final = Decimal("0.01")
RUNTIME_PATTERN: Final = re.compile(r"^(?:[1-9]\d*T)?(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$")

# --------------------------------------------------------------------------------------------
# Quantities


def quantise_capacity(value: Decimal) -> Decimal:
    return value.quantize(CAPACITY_QUANTUM, rounding=ROUND_DOWN)


def quantise_price(value: Decimal) -> Decimal:
    return value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)


def quantise_runtime(value: timedelta) -> timedelta:
    return value - timedelta(microseconds=value.microseconds)


def format_capacity(value: Decimal) -> str:
    return format(quantise_capacity(value), "f")


def format_price(value: Decimal) -> str:
    return format(quantise_price(value), "f")


def format_runtime(value: timedelta) -> str:
    """`[D]THH:MM:SS`, the day part only from one whole day: `1T01:30:00`, `02:00:00`."""
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{value.days}T{clock}" if value.days else clock


def is_decimal(value: object, what: str) -> str | None:
    """Money and power are Decimal: a float (or NaN, or infinity) is refused, not converted."""
    if isinstance(value, Decimal) and value.is_finite():
        return None
    return f"{what} must be a finite Decimal, got {type(value).__name__} {value!r}"


def capacity_positive(capacity: Decimal) -> str | None:
    """Checked after rounding down, so 0.0009 MW (which would be sent as 0.000) is refused."""
    if quantise_capacity(capacity) > 0:
        return None
    return f"capacity {capacity} MW is not positive once rounded down to 3 places"


def price_positive(rate_type: str, value: Decimal) -> str | None:
    """Checked after rounding, so £0.004 (sent as 0.00) is refused."""
    if quantise_price(value) > 0:
        return None
    return f"{rate_type} rate {value} is not positive once rounded to 2 places"


# --------------------------------------------------------------------------------------------
# Competition


def competition_open(competition: CompetitionSnapshot, now: datetime) -> str | None:
    """The market takes ballots only while the competition is open."""
    if competition.status != "open":
        return f"competition {competition.id} is {competition.status}, not open"
    if now < competition.competition_open:
        return (
            f"competition {competition.id} opens for bidding at "
            f"{competition.competition_open.isoformat()}"
        )
    return None


def closes_after_margin(
    competition: CompetitionSnapshot, now: datetime, margin: timedelta
) -> str | None:
    """Bid only while more than `margin` remains before the close (now + margin < close).

    Closing exactly at now + margin is refused: with a zero margin this is the market's own rule
    (ballots are taken strictly before `competition_close`), and a positive margin moves that
    same boundary earlier by exactly the margin.
    """
    if now + margin < competition.competition_close:
        return None
    return (
        f"competition {competition.id} closes at {competition.competition_close.isoformat()}, "
        f"not more than the safety margin ({margin}) after now ({now.isoformat()})"
    )


def known_type(competition: CompetitionSnapshot) -> str | None:
    """An unknown type means we cannot know which rates are required: do not bid."""
    if competition.required_rates is not None:
        return None
    return f"competition type {competition.type!r} is not known, so its rates are not known"


# --------------------------------------------------------------------------------------------
# Bids


def window_belongs(competition: CompetitionSnapshot, window_id: object) -> str | None:
    if isinstance(window_id, str) and competition.window(window_id) is not None:
        return None
    return f"service window {window_id!r} is not a window of competition {competition.id}"


def exact_rate_types(rates: Mapping[str, object], required: Collection[str]) -> str | None:
    """All the rates of the competition's type, and no others."""
    if set(rates) == set(required) and len(rates) == len(required):
        return None
    return (
        f"rates must be exactly {', '.join(sorted(required))}; "
        f"got {', '.join(sorted(map(str, rates))) or 'none'}"
    )


def runtime_well_formed(runtime: object) -> str | None:
    """None (not sent) or a positive duration that renders as `[D]THH:MM:SS`."""
    if runtime is None:
        return None
    if not isinstance(runtime, timedelta):
        return f"max_runtime must be a timedelta, got {type(runtime).__name__}"
    whole = quantise_runtime(runtime)
    if whole <= timedelta(0):
        return f"max_runtime {runtime} is not a positive whole number of seconds"
    if not RUNTIME_PATTERN.match(format_runtime(whole)):
        return f"max_runtime {runtime} does not render as [D]THH:MM:SS"
    return None


def within_capacity_required(window: WindowSpec, total: Decimal) -> str | None:
    """A window's bids (split bids summed) may not exceed its `capacity_required`."""
    if total <= window.capacity_required:
        return None
    return (
        f"window {window.id}: {total} MW exceeds its capacity_required "
        f"{window.capacity_required} MW"
    )


def within_asset_capacity(window: WindowSpec, total: Decimal, included: Decimal) -> str | None:
    """A window's bids may not exceed the included assets' capacity in the need direction."""
    if total <= included:
        return None
    return (
        f"window {window.id}: {total} MW exceeds the {included} MW the ballot's assets have "
        "in the need direction"
    )


# --------------------------------------------------------------------------------------------
# Assets


def previous_assets_still_qualify(
    previous: Collection[tuple[AssetKind, str]],
    capacity_by_asset: Mapping[tuple[AssetKind, str], Decimal],
) -> str | None:
    """A resubmission must name exactly the previous ballot's assets, so each must still qualify
    (be offered to us for this competition, with capacity in the need direction)."""
    gone = sorted(
        f"{kind} {asset}" for kind, asset in previous if not capacity_by_asset.get((kind, asset))
    )
    if not gone:
        return None
    return (
        f"the active ballot's asset(s) {', '.join(gone)} no longer qualify with capacity in the "
        "need direction, and a resubmission must use exactly the same asset set"
    )


def has_assets(included: Collection[object]) -> str | None:
    if included:
        return None
    return "no qualifying asset has capacity in the competition's need direction"
