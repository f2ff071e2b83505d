"""What a strategy may know: an immutable snapshot of one competition, the fleet and our promises.

Everything is a frozen dataclass checked on construction (Decimal quantities, aware UTC instants,
naive GB-local times of day), so a strategy or the engine never meets a float, a naive datetime or
a window that ends before it starts. No credentials, sessions or clients ever go in here: the
snapshot is the whole world a strategy sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from biddaemon.settings import StrategySettings

AssetKind = Literal["flex", "planned"]
RateType = Literal["availability", "utilisation", "service_fee"]

DAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RATE_TYPES: Final[tuple[RateType, ...]] = ("availability", "utilisation", "service_fee")
NEED_DIRECTIONS: Final[tuple[str, ...]] = ("deficit", "excess", "import", "export")
BANK_HOLIDAYS: Final[tuple[str, ...]] = ("included", "excluded")
OFFERS_NOTHING: Final[frozenset[str]] = frozenset({"mothballed", "archived"})
"""Inventory statuses in which the engine offers none of an asset's capacity: `mothballed` is
the inventory's maintenance (Tensor's `maintenance` is read as it), `archived` is retired."""

# The seed rule: a bid carries exactly these rates, and no others, for each competition type.
REQUIRED_RATES: Final[Mapping[str, tuple[RateType, ...]]] = MappingProxyType(
    {
        "availability_utilisation": ("availability", "utilisation"),
        "utilisation": ("utilisation",),
        "availability": ("availability",),
        "service_fee": ("service_fee",),
    }
)


def _decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{what} must be a finite Decimal, got {value!r}")
    return value


def _aware_utc(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no timezone offset")
    return value.astimezone(UTC)


def _local_time(value: object, what: str) -> time:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise TypeError(f"{what} must be a naive GB-local time of day, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Schedule:
    """When something recurs: local dates [start, end), days of week, times of day.

    `end_time <= start_time` means the window crosses midnight (equal: a full 24 hours).
    """

    start_date: date
    end_date: date  # exclusive
    start_time: time  # Europe/London wall clock
    end_time: time
    days: frozenset[str]
    _hash: int = field(init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        """Hashed once: a schedule is the key of the engine's index and caches, met per share."""
        return self._hash

    def __post_init__(self) -> None:
        if self.end_date <= self.start_date:
            raise ValueError(
                f"end_date {self.end_date} (exclusive) must be after start_date {self.start_date}"
            )
        _local_time(self.start_time, "start_time")
        _local_time(self.end_time, "end_time")
        if not isinstance(self.days, frozenset) or not self.days:
            raise ValueError("days must be a non-empty frozenset of 'mon'..'sun'")
        unknown = self.days - set(DAYS)
        if unknown:
            raise ValueError(f"unknown day(s) {sorted(unknown)}; use 'mon'..'sun'")
        fields = (self.start_date, self.end_date, self.start_time, self.end_time, self.days)
        object.__setattr__(self, "_hash", hash(fields))

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """One service window of a competition, with its service period's dates."""

    id: str
    period_id: str
    name: str | None
    start_date: date
    end_date: date  # exclusive
    start_time: time  # Europe/London wall clock
    end_time: time
    days: frozenset[str]
    bank_holidays: str
    capacity_required: Decimal
    schedule: Schedule = field(init=False, repr=False, compare=False)
    """When it recurs, built once (the engine meets it for every overlap test)."""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a service window needs an id")
        if self.bank_holidays not in BANK_HOLIDAYS:
            raise ValueError(f"bank_holidays must be 'included' or 'excluded' (window {self.id})")
        if _decimal(self.capacity_required, f"window {self.id} capacity_required") < 0:
            raise ValueError(f"window {self.id}: capacity_required must not be negative")
        schedule = Schedule(  # validates dates, times and days
            self.start_date, self.end_date, self.start_time, self.end_time, self.days
        )
        object.__setattr__(self, "schedule", schedule)


@dataclass(frozen=True, slots=True)
class OutageSpec:
    """A planned outage from the inventory: `mw` of the asset is out over [start, end) (UTC)."""

    start: datetime
    end: datetime
    mw: Decimal
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _aware_utc(self.start, "outage start"))
        object.__setattr__(self, "end", _aware_utc(self.end, "outage end"))
        if self.end <= self.start:
            raise ValueError(f"an outage must end after it starts ({self.start.isoformat()})")
        if _decimal(self.mw, "outage mw") <= 0:
            raise ValueError("an outage's mw must be positive")


@dataclass(frozen=True, slots=True)
class InventoryFacts:
    """What the inventory says of one asset that bidding must respect."""

    status: str | None = None
    outages: tuple[OutageSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """One qualifying asset: its capacity counts only in the competition's need direction."""

    id: str
    kind: AssetKind
    ref: str
    capacity: Decimal  # MW in the need direction
    energy_mwh: Decimal | None = None
    max_runtime: timedelta | None = None
    status: str | None = None  # the inventory's status; None when the inventory does not know it
    outages: tuple[OutageSpec, ...] = ()
    key: tuple[AssetKind, str] = field(init=False, repr=False, compare=False)
    """Flex and Planned Assets have separate id spaces on the market: (kind, id)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.kind, self.id))
        if not self.id:
            raise ValueError("an asset needs an id")
        if self.kind not in ("flex", "planned"):
            raise ValueError(f"asset {self.id}: kind must be 'flex' or 'planned'")
        if _decimal(self.capacity, f"asset {self.id} capacity") < 0:
            raise ValueError(f"asset {self.id}: capacity must not be negative")
        if self.energy_mwh is not None and _decimal(self.energy_mwh, "energy_mwh") < 0:
            raise ValueError(f"asset {self.id}: energy_mwh must not be negative")
        if self.max_runtime is not None and (
            not isinstance(self.max_runtime, timedelta) or self.max_runtime < timedelta(0)
        ):
            raise ValueError(f"asset {self.id}: max_runtime must be a non-negative timedelta")
        object.__setattr__(self, "outages", tuple(self.outages))
        for outage in self.outages:
            if not isinstance(outage, OutageSpec):
                raise TypeError(f"asset {self.id}: outages must be OutageSpec")

    @property
    def offers_nothing(self) -> bool:
        """Mothballed (in maintenance) or archived by the inventory: none of it is offered."""
        return self.status in OFFERS_NOTHING


@dataclass(frozen=True, slots=True)
class CompetitionSnapshot:
    """A competition as the market described it when we looked."""

    id: str
    type: str  # kept as sent: an unknown type is refused by the engine, with the reason
    need_direction: str
    status: str
    competition_open: datetime
    competition_close: datetime
    windows: tuple[WindowSpec, ...]
    availability_guide_price: Decimal | None = None
    utilisation_guide_price: Decimal | None = None
    service_fee_guide_price: Decimal | None = None
    operator: str | None = None  # the system operator's name, as the market gives it
    by_window_id: Mapping[str, WindowSpec] = field(init=False, repr=False, compare=False)
    """The windows by id, so finding one does not walk them all."""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a competition needs an id")
        opened = _aware_utc(self.competition_open, "competition_open")
        closes = _aware_utc(self.competition_close, "competition_close")
        object.__setattr__(self, "competition_open", opened)
        object.__setattr__(self, "competition_close", closes)
        if closes <= opened:
            raise ValueError(f"competition {self.id}: competition_close must be after its open")
        for rate_type in RATE_TYPES:
            price = self.guide_price(rate_type)
            if price is not None:
                _decimal(price, f"{rate_type}_guide_price")
        seen: dict[str, WindowSpec] = {}
        for window in self.windows:
            if window.id in seen:
                raise ValueError(f"competition {self.id}: window id {window.id!r} appears twice")
            seen[window.id] = window
        object.__setattr__(self, "by_window_id", MappingProxyType(seen))

    def guide_price(self, rate_type: RateType) -> Decimal | None:
        if rate_type == "availability":
            return self.availability_guide_price
        if rate_type == "utilisation":
            return self.utilisation_guide_price
        return self.service_fee_guide_price

    @property
    def required_rates(self) -> tuple[RateType, ...] | None:
        """Exactly the rates every bid must carry; None for a type we do not know."""
        return REQUIRED_RATES.get(self.type)

    def window(self, window_id: str) -> WindowSpec | None:
        return self.by_window_id.get(window_id)


@dataclass(frozen=True, slots=True)
class PreviousBid:
    """A bid of the active ballot, as the market stored it."""

    window_id: str
    capacity: Decimal
    rates: Mapping[str, Decimal]
    max_runtime: timedelta | None = None
    market_bid_id: str | None = None

    def __post_init__(self) -> None:
        _decimal(self.capacity, f"previous bid for {self.window_id} capacity")
        for rate_type, value in self.rates.items():
            _decimal(value, f"previous bid for {self.window_id} {rate_type} rate")
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))


@dataclass(frozen=True, slots=True)
class PreviousBallot:
    """The competition's active ballot: a resubmission keeps its asset set and its other bids."""

    market_id: str
    flex_ids: frozenset[str]
    planned_ids: frozenset[str]
    bids: tuple[PreviousBid, ...]

    def bids_for(self, window_id: str) -> tuple[PreviousBid, ...]:
        return tuple(b for b in self.bids if b.window_id == window_id)

    @property
    def asset_keys(self) -> frozenset[tuple[AssetKind, str]]:
        flex: set[tuple[AssetKind, str]] = {("flex", i) for i in self.flex_ids}
        planned: set[tuple[AssetKind, str]] = {("planned", i) for i in self.planned_ids}
        return frozenset(flex | planned)


@dataclass(frozen=True, slots=True)
class Commitment:
    """Capacity of one asset already promised in a window of another competition."""

    asset_id: str
    competition_id: str
    window_id: str
    schedule: Schedule
    capacity: Decimal
    kind: AssetKind = "flex"

    def __post_init__(self) -> None:
        if self.kind not in ("flex", "planned"):
            raise ValueError(f"commitment of asset {self.asset_id}: kind must be flex or planned")
        if _decimal(self.capacity, f"commitment of asset {self.asset_id}") < 0:
            raise ValueError(f"commitment of asset {self.asset_id} must not be negative")

    @property
    def asset_key(self) -> tuple[AssetKind, str]:
        return (self.kind, self.asset_id)


@dataclass(frozen=True, slots=True)
class StrategyInput:
    """Everything a strategy sees for one competition, and nothing more."""

    competition: CompetitionSnapshot
    assets: tuple[AssetSpec, ...]
    previous: PreviousBallot | None
    commitments: tuple[Commitment, ...]
    settings: StrategySettings
    now: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "now", _aware_utc(self.now, "now"))
        keys = [a.key for a in self.assets]
        if len(set(keys)) != len(keys):
            raise ValueError(f"competition {self.competition.id}: an asset appears twice")
        object.__setattr__(self, "assets", tuple(self.assets))
        object.__setattr__(self, "commitments", tuple(self.commitments))

    @property
    def options(self) -> Mapping[str, str]:
        """The free-form `BIDDAEMON_STRATEGY__OPTIONS__*` values, read-only."""
        return MappingProxyType(dict(self.settings.options))
