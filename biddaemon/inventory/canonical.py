"""The canonical asset: the one form every source is read into and every target is written from.

`AssetFacts` is what one source knows about an asset (any field may be missing: Tensor has no
technology, Flatpeak no name); `merge.py` overlays the facts of every source by `ref` and turns
them into a complete `CanonicalAsset`. Power is `Decimal` MW, energy `Decimal` MWh, ramp rates
`Decimal` MW/min, durations `timedelta`; nothing here knows a platform's units or field names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from biddaemon.markets.localflex.durations import format_iso_duration


class Technology(StrEnum):
    BATTERY = "battery"
    SOLAR_PV = "solar_pv"
    ONSHORE_WIND = "onshore_wind"
    OFFSHORE_WIND = "offshore_wind"
    CHP = "chp"
    EV_CHARGING = "ev_charging"
    DEMAND_RESPONSE = "demand_response"
    OTHER = "other"


class AssetStatus(StrEnum):
    """`planned` assets become Piclo Planned Assets; the others Flex Assets. A `mothballed`
    asset (Tensor's `maintenance`) or an `archived` one offers nothing when bidding."""

    OPERATIONAL = "operational"
    IN_DEVELOPMENT = "in_development"
    PLANNED = "planned"
    MOTHBALLED = "mothballed"
    ARCHIVED = "archived"


class Platform(StrEnum):
    """Where the inventory is mirrored to."""

    PICLO = "piclo"
    LOCALFLEX = "localflex"
    FLATPEAK = "flatpeak"


class Source(StrEnum):
    """Where facts about an asset come from; the file outranks every import."""

    FILE = "file"
    TENSOR = "tensor"
    FLATPEAK = "flatpeak"


@dataclass(frozen=True)
class PicloDetails:
    """Piclo-only facts: the category and type it files the asset under, and for a Planned Asset
    the competition and operator it is planned for."""

    asset_category: str | None = None
    asset_type: str | None = None
    connection_status: str | None = None
    competition_reference: str | None = None
    operator_name: str | None = None
    capacity_type: str | None = None
    estimated_asset_count: int | None = None


@dataclass(frozen=True)
class LocalFlexDetails:
    """LocalFlex-only facts: where the asset connects and which market products it offers."""

    asset_type: str | None = None
    grid_node_mrid: str | None = None
    market_products: tuple[str, ...] | None = None
    can_provide_metering: bool | None = None
    contact_name: str | None = None
    phone_number: str | None = None
    email: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class FlatpeakDetails:
    """Flatpeak-only facts: the location ids it is installed at, and the device's make."""

    device_type: str | None = None
    location_ids: tuple[str, ...] | None = None
    manufacturer: str | None = None
    model_code: str | None = None
    model_name: str | None = None
    install_date: datetime | None = None
    pv_azimuth: Decimal | None = None
    pv_tilt: Decimal | None = None
    pv_terrain_shading: bool | None = None
    pv_forecasts_enabled: bool | None = None


@dataclass(frozen=True)
class Outage:
    """A planned outage: `mw` of the asset is unavailable over [start, end) (aware, UTC)."""

    start: datetime
    end: datetime
    mw: Decimal
    reason: str | None = None


@dataclass(frozen=True)
class AssetFacts:
    """What one source says about the asset `ref`; None means "this source does not say"."""

    ref: str
    source: Source
    name: str | None = None
    technology: Technology | None = None
    status: AssetStatus | None = None
    country_code: str | None = None
    postcode: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    voltage_kv: Decimal | None = None
    export_mw: Decimal | None = None
    import_mw: Decimal | None = None
    energy_mwh: Decimal | None = None
    ramp_up_mw_per_min: Decimal | None = None
    ramp_down_mw_per_min: Decimal | None = None
    min_runtime: timedelta | None = None
    max_runtime: timedelta | None = None
    response_time: timedelta | None = None
    recovery_time: timedelta | None = None
    import_meter_id: str | None = None
    export_meter_id: str | None = None
    platforms: frozenset[Platform] | None = None
    outages: tuple[Outage, ...] | None = None
    piclo: PicloDetails = field(default_factory=PicloDetails)
    localflex: LocalFlexDetails = field(default_factory=LocalFlexDetails)
    flatpeak: FlatpeakDetails = field(default_factory=FlatpeakDetails)


DEFAULT_COUNTRY = "GB"


@dataclass(frozen=True)
class CanonicalAsset:
    """A complete asset of the fleet, the desired state on every platform in `platforms`."""

    ref: str
    name: str
    technology: Technology
    status: AssetStatus
    platforms: frozenset[Platform]
    sources: tuple[Source, ...] = (Source.FILE,)
    country_code: str = DEFAULT_COUNTRY
    postcode: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    voltage_kv: Decimal | None = None
    export_mw: Decimal | None = None
    import_mw: Decimal | None = None
    energy_mwh: Decimal | None = None
    ramp_up_mw_per_min: Decimal | None = None
    ramp_down_mw_per_min: Decimal | None = None
    min_runtime: timedelta | None = None
    max_runtime: timedelta | None = None
    response_time: timedelta | None = None
    recovery_time: timedelta | None = None
    import_meter_id: str | None = None
    export_meter_id: str | None = None
    outages: tuple[Outage, ...] | None = None  # None (not an empty tuple) keeps old fingerprints
    piclo: PicloDetails = field(default_factory=PicloDetails)
    localflex: LocalFlexDetails = field(default_factory=LocalFlexDetails)
    flatpeak: FlatpeakDetails = field(default_factory=FlatpeakDetails)

    def to_record(self) -> dict[str, Any]:
        """A JSON document of every fact (decimals as exact strings, durations ISO 8601)."""
        record: dict[str, Any] = _record(self)
        return record

    def fingerprint(self) -> str:
        """A hash of every fact, to tell whether the stored copy is current."""
        text = json.dumps(self.to_record(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Portfolio:
    """A LocalFlex portfolio (bidding unit) declared in the inventory file."""

    ref: str
    name: str
    grid_node_mrid: str | None = None
    market_products: tuple[str, ...] = ()
    auto_assign_asset: bool | None = None
    asset_types: tuple[str, ...] | None = None


def _record(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, timedelta):
        return format_iso_duration(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(_record(item) for item in value)
    if isinstance(value, tuple):
        return [_record(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        document = {f.name: _record(getattr(value, f.name)) for f in fields(value)}
        return {key: item for key, item in document.items() if item is not None and item != {}}
    raise TypeError(f"cannot record {type(value).__name__}")
