"""The market's nouns as immutable dataclasses: competitions, assets, ballots, results.

Nothing here knows about HTTP or time passing; `market.py` owns the state and its changes.
Quantities are `Decimal`, instants aware UTC datetimes, window times GB local `time`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final, Literal

CompetitionType = Literal["availability_utilisation", "utilisation", "availability", "service_fee"]
NeedDirection = Literal["deficit", "excess", "import", "export"]
RateType = Literal["availability", "utilisation", "service_fee"]
CompetitionStatus = Literal["open", "closed", "results_published", "cancelled"]
AssetStatus = Literal["operational", "in_development", "mothballed", "archived"]
BidOutcome = Literal["accepted", "rejected"]

COMPETITION_TYPES: Final = (
    "availability_utilisation",
    "utilisation",
    "availability",
    "service_fee",
)
NEED_DIRECTIONS: Final = ("deficit", "excess", "import", "export")
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The seed rule: exactly these rates, and no others, for each competition type.
RATE_TYPES: Final[dict[str, tuple[RateType, ...]]] = {
    "availability_utilisation": ("availability", "utilisation"),
    "utilisation": ("utilisation",),
    "availability": ("availability",),
    "service_fee": ("service_fee",),
}


@dataclass(frozen=True)
class Provider:
    id: str
    name: str


@dataclass(frozen=True)
class Region:
    """A latitude/longitude box; assets located by coordinates match competitions by it."""

    south: Decimal
    north: Decimal
    west: Decimal
    east: Decimal

    def contains(self, latitude: Decimal, longitude: Decimal) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


@dataclass(frozen=True)
class Area:
    """Where a competition needs flexibility: postcode areas ("KY") and coordinate boxes."""

    postcode_areas: frozenset[str]
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class ServiceWindow:
    id: str
    name: str
    start_time: time  # GB local time
    end_time: time
    days: tuple[str, ...]
    bank_holidays: Literal["included", "excluded"]
    capacity_required: Decimal


@dataclass(frozen=True)
class ServicePeriod:
    id: str
    name: str
    start_date: date
    end_date: date  # exclusive
    windows: tuple[ServiceWindow, ...]


@dataclass(frozen=True)
class Rate:
    type: RateType
    value: Decimal


@dataclass(frozen=True)
class Offer:
    """A rival FSP's bid for one window, seen only by the simulated DSO when it decides."""

    service_window_id: str
    capacity: Decimal
    rates: tuple[Rate, ...]


@dataclass(frozen=True)
class Competition:
    id: str
    reference: str
    name: str
    operator_name: str
    type: CompetitionType
    need_direction: NeedDirection
    competition_open: datetime
    competition_close: datetime
    availability_guide_price: Decimal | None
    utilisation_guide_price: Decimal | None
    service_fee_guide_price: Decimal | None
    service_periods: tuple[ServicePeriod, ...]
    # What the simulated DSO knows and bidders do not:
    area: Area
    results_at: datetime
    budget_factor: Decimal = Decimal("1.00")
    rival_offers: tuple[Offer, ...] = ()
    cancelled: bool = False

    def windows(self) -> Iterator[ServiceWindow]:
        for period in self.service_periods:
            yield from period.windows

    def window(self, window_id: str) -> ServiceWindow | None:
        return next((w for w in self.windows() if w.id == window_id), None)

    def period_of(self, window_id: str) -> ServicePeriod | None:
        return next(
            (p for p in self.service_periods if any(w.id == window_id for w in p.windows)), None
        )

    def status_at(self, now: datetime) -> CompetitionStatus:
        """open -> closed at `competition_close` -> results_published at `results_at`."""
        if self.cancelled:
            return "cancelled"
        if now < self.competition_close:
            return "open"
        if now < self.results_at:
            return "closed"
        return "results_published"

    def is_open_at(self, now: datetime) -> bool:
        return not self.cancelled and self.competition_open <= now < self.competition_close

    def guide_price(self, rate_type: RateType) -> Decimal | None:
        return {
            "availability": self.availability_guide_price,
            "utilisation": self.utilisation_guide_price,
            "service_fee": self.service_fee_guide_price,
        }[rate_type]


@dataclass(frozen=True)
class FlexAsset:
    id: str
    provider: str
    ref: str
    name: str
    status: AssetStatus
    asset_category: str
    asset_type: str
    voltage_level: Decimal
    country_code: str
    created: datetime
    modified: datetime
    postcode: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    connection_status: Literal["planned", "energised"] = "planned"
    active_export_capacity: Decimal = Decimal("0.000")
    active_import_capacity: Decimal = Decimal("0.000")
    max_runtime: str | None = None
    min_runtime: str | None = None
    response_time: str | None = None
    recovery_time: str | None = None


@dataclass(frozen=True)
class PlannedAsset:
    """An asset that does not exist yet, offered into the one competition it names."""

    id: str
    provider: str
    reference: str
    name: str
    voltage_level: Decimal
    asset_type: str
    capacity_type: Literal["import", "export"]
    capacity_value: Decimal
    competition_reference: str
    created: datetime
    modified: datetime
    operator_name: str | None = None
    estimated_asset_count: int | None = None
    maximum_runtime: str | None = None


@dataclass(frozen=True)
class Fleet:
    """A provider's assets, or the subset of them a ballot includes."""

    flex: tuple[FlexAsset, ...] = ()
    planned: tuple[PlannedAsset, ...] = ()


@dataclass(frozen=True)
class AssetSet:
    """The ids of the assets behind a ballot; resubmissions must keep it unchanged."""

    flex: frozenset[str] = field(default_factory=frozenset)
    planned: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, fleet: Fleet) -> AssetSet:
        return cls(frozenset(a.id for a in fleet.flex), frozenset(a.id for a in fleet.planned))

    def describe(self) -> str:
        flex = ", ".join(sorted(self.flex)) or "none"
        planned = ", ".join(sorted(self.planned)) or "none"
        return f"flex: {flex}; planned: {planned}"


@dataclass(frozen=True)
class Bid:
    id: str
    service_window_id: str
    capacity: Decimal
    max_runtime: str | None
    rates: tuple[Rate, ...]

    def rate(self, rate_type: RateType) -> Decimal | None:
        return next((r.value for r in self.rates if r.type == rate_type), None)


@dataclass(frozen=True)
class Ballot:
    id: str
    competition_id: str
    provider: str
    created: datetime
    sequence: int  # submission order, market-wide; breaks ties between equal `created`
    assets: AssetSet
    bids: tuple[Bid, ...]


@dataclass(frozen=True)
class BidResult:
    bid_id: str
    ballot_id: str
    service_window_id: str
    status: BidOutcome
    capacity: Decimal
    rejection_reason: str | None


@dataclass(frozen=True)
class Obligation:
    """An accepted bid, now a contract to deliver in its window over its service period."""

    id: str
    competition_id: str
    ballot_id: str
    bid_id: str
    service_window_id: str
    capacity: Decimal
    rates: tuple[Rate, ...]
    start_date: date
    end_date: date  # exclusive, as the service period's
    start_time: time
    end_time: time
    days: tuple[str, ...]
    bank_holidays: Literal["included", "excluded"]
