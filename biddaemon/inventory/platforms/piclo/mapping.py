"""Canonical asset -> Piclo Flex: a Flex Asset, or for a `planned` asset a Planned Asset.

Piclo holds capacity in MW with 3 places (rounded down, so a limit is never overstated),
voltage in kV with 2 and coordinates with 6; durations as `HH:MM:SS` under a day. A value with
more precision is sent rounded and noted; a field Piclo has no place for is noted, never
silently dropped. Which category and type Piclo files each technology under is [assumed] except
`onshore_wind` (documented example); the file may override both (`piclo.asset_category`,
`piclo.asset_type`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from biddaemon.inventory.canonical import AssetStatus, CanonicalAsset, Platform, Technology
from biddaemon.inventory.desired import Desired, Note
from biddaemon.inventory.units import format_clock_duration
from biddaemon.markets.piclo import (
    FlexAsset,
    FlexAssetCreate,
    FlexAssetUpdate,
    PlannedAsset,
    PlannedAssetCreate,
    PlannedAssetUpdate,
)

FLEX_ASSET = "flex_asset"
PLANNED_ASSET = "planned_asset"

CATEGORY_AND_TYPE: dict[Technology, tuple[str, str]] = {
    Technology.BATTERY: ("storage", "battery"),  # [assumed]
    Technology.SOLAR_PV: ("renewable", "solar_pv"),  # [assumed]
    Technology.ONSHORE_WIND: ("renewable", "onshore_wind"),  # [confirmed example]
    Technology.OFFSHORE_WIND: ("renewable", "offshore_wind"),  # [assumed]
    Technology.CHP: ("generation", "chp"),  # [assumed]
    Technology.EV_CHARGING: ("demand", "ev_charging"),  # [assumed]
    Technology.DEMAND_RESPONSE: ("demand", "demand_response"),  # [assumed]
    Technology.OTHER: ("other", "other"),  # [assumed]
}
CAPACITY = Decimal("0.001")
VOLTAGE = Decimal("0.01")
COORDINATE = Decimal("0.000001")
UNITS = {
    "active_export_capacity": "MW",
    "active_import_capacity": "MW",
    "capacity_value": "MW",
    "voltage_level": "kV",
}
_FLEX_FIELDS = (
    "name",
    "status",
    "asset_category",
    "asset_type",
    "voltage_level",
    "country_code",
    "connection_status",
    "postcode",
    "latitude",
    "longitude",
    "active_export_capacity",
    "active_import_capacity",
    "max_runtime",
    "min_runtime",
    "response_time",
    "recovery_time",
)
_PLANNED_FIELDS = (
    "name",
    "voltage_level",
    "asset_type",
    "capacity_type",
    "capacity_value",
    "competition_reference",
    "operator_name",
    "estimated_asset_count",
    "maximum_runtime",
)


def desired(asset: CanonicalAsset) -> Desired:
    """The Flex Asset (or Planned Asset) `asset` should be on Piclo Flex."""
    if asset.status is AssetStatus.PLANNED:
        return _planned(asset)
    return _flex(asset)


def _flex(asset: CanonicalAsset) -> Desired:
    notes: list[Note] = []
    category, kind = CATEGORY_AND_TYPE[asset.technology]
    fields: dict[str, Any] = {
        "name": asset.name,
        "status": asset.status.value,
        "asset_category": asset.piclo.asset_category or category,
        "asset_type": asset.piclo.asset_type or kind,
        "country_code": asset.country_code,
    }
    reasons = []
    if asset.voltage_kv is None:
        reasons.append("set voltage_kv (Piclo requires the connection voltage)")
    else:
        fields["voltage_level"] = _rounded(
            "voltage_kv", asset.voltage_kv, VOLTAGE, ROUND_HALF_UP, "kV", notes
        )
    if asset.postcode:
        fields["postcode"] = asset.postcode
    if asset.latitude is not None and asset.longitude is not None:
        fields["latitude"] = _rounded(
            "latitude", asset.latitude, COORDINATE, ROUND_HALF_UP, "°", notes
        )
        fields["longitude"] = _rounded(
            "longitude", asset.longitude, COORDINATE, ROUND_HALF_UP, "°", notes
        )
    if not asset.postcode and "latitude" not in fields:
        reasons.append("set a postcode, or latitude and longitude (Piclo requires a location)")
    if asset.piclo.connection_status:
        fields["connection_status"] = asset.piclo.connection_status
    for name, value in (
        ("active_export_capacity", asset.export_mw),
        ("active_import_capacity", asset.import_mw),
    ):
        if value is not None:
            source = "export_mw" if "export" in name else "import_mw"
            fields[name] = _rounded(source, value, CAPACITY, ROUND_DOWN, "MW", notes)
    for name, duration in (
        ("max_runtime", asset.max_runtime),
        ("min_runtime", asset.min_runtime),
        ("response_time", asset.response_time),
        ("recovery_time", asset.recovery_time),
    ):
        if duration is not None:
            if _fits_clock(duration):
                fields[name] = duration
            else:
                notes.append(Note(name, f"{duration} is a day or more; Piclo takes HH:MM:SS"))
    _not_expressible(
        notes,
        asset,
        "energy_mwh",
        "ramp_up_mw_per_min",
        "ramp_down_mw_per_min",
        "import_meter_id",
        "export_meter_id",
    )
    if reasons:
        return Desired(Platform.PICLO, FLEX_ASSET, asset.ref, unsupported="; ".join(reasons))
    return Desired(Platform.PICLO, FLEX_ASSET, asset.ref, fields, tuple(notes))


def _planned(asset: CanonicalAsset) -> Desired:
    notes: list[Note] = []
    details = asset.piclo
    reasons = []
    if not details.competition_reference or not details.operator_name:
        reasons.append(
            "a planned asset goes to Piclo as a Planned Asset for one competition: set "
            "piclo.competition_reference and piclo.operator_name"
        )
    if asset.voltage_kv is None:
        reasons.append("set voltage_kv (Piclo requires the connection voltage)")
    capacity_type = details.capacity_type
    if capacity_type is None:
        capacity_type = "export" if asset.export_mw is not None else "import"
    capacity = asset.export_mw if capacity_type == "export" else asset.import_mw
    if capacity is None:
        wanted = f"{capacity_type}_mw" if details.capacity_type else "export_mw or import_mw"
        reasons.append(f"set {wanted} (a Planned Asset has one capacity)")
    if reasons or capacity is None or asset.voltage_kv is None:
        return Desired(Platform.PICLO, PLANNED_ASSET, asset.ref, unsupported="; ".join(reasons))
    fields: dict[str, Any] = {
        "name": asset.name,
        "voltage_level": _rounded(
            "voltage_kv", asset.voltage_kv, VOLTAGE, ROUND_HALF_UP, "kV", notes
        ),
        "asset_type": details.asset_type or CATEGORY_AND_TYPE[asset.technology][1],
        "capacity_type": capacity_type,
        "capacity_value": _rounded(
            f"{capacity_type}_mw", capacity, CAPACITY, ROUND_DOWN, "MW", notes
        ),
        "competition_reference": details.competition_reference,
        "operator_name": details.operator_name,
    }
    if details.estimated_asset_count is not None:
        fields["estimated_asset_count"] = details.estimated_asset_count
    if asset.max_runtime is not None:
        if _fits_clock(asset.max_runtime):
            fields["maximum_runtime"] = asset.max_runtime
        else:
            notes.append(Note("max_runtime", "a day or more; Piclo takes HH:MM:SS"))
    other = "import_mw" if capacity_type == "export" else "export_mw"
    _not_expressible(
        notes,
        asset,
        other,
        "postcode",
        "latitude",
        "longitude",
        "energy_mwh",
        "ramp_up_mw_per_min",
        "ramp_down_mw_per_min",
        "min_runtime",
        "response_time",
        "recovery_time",
        "import_meter_id",
        "export_meter_id",
    )
    return Desired(Platform.PICLO, PLANNED_ASSET, asset.ref, fields, tuple(notes))


def _fits_clock(value: timedelta) -> bool:
    return timedelta(0) <= value < timedelta(days=1) and not value.microseconds


def _rounded(
    name: str, value: Decimal, quantum: Decimal, rounding: str, unit: str, notes: list[Note]
) -> Decimal:
    held = value.quantize(quantum, rounding=rounding)
    if held != value:
        notes.append(Note(name, f"{value} {unit} has more places than Piclo holds; sent as {held}"))
    return held


def _not_expressible(notes: list[Note], asset: CanonicalAsset, *names: str) -> None:
    present = [name for name in names if getattr(asset, name) is not None]
    if present:
        notes.append(Note(", ".join(present), "Piclo has no field for this; not sent"))


def observed_fields(record: FlexAsset | PlannedAsset) -> dict[str, Any]:
    """The record's values under the same names and in the same form as `desired` uses."""
    names = _FLEX_FIELDS if isinstance(record, FlexAsset) else _PLANNED_FIELDS
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        values[name] = value.value if hasattr(value, "value") else value
    if isinstance(record, FlexAsset) and record.postcode:
        values["postcode"] = " ".join(record.postcode.upper().split())
    return values


def flex_create_body(wanted: Desired, *, provider_id: str) -> FlexAssetCreate:
    return FlexAssetCreate(provider=provider_id, ref=wanted.ref, **wanted.fields)


def planned_create_body(wanted: Desired, *, provider_id: str) -> PlannedAssetCreate:
    return PlannedAssetCreate(provider=provider_id, reference=wanted.ref, **wanted.fields)


def flex_update_body(changed: Mapping[str, Any]) -> FlexAssetUpdate:
    return FlexAssetUpdate(**changed)


def planned_update_body(changed: Mapping[str, Any]) -> PlannedAssetUpdate:
    return PlannedAssetUpdate(**changed)


def show(name: str, value: Any) -> str:
    """A value as the plan prints it for Piclo (units, HH:MM:SS)."""
    if value is None:
        return "(none)"
    if isinstance(value, timedelta):
        return format_clock_duration(value) if _fits_clock(value) else str(value)
    if isinstance(value, Decimal):
        unit = UNITS.get(name)
        text = format(value, "f")
        return f"{text} {unit}" if unit else text
    return str(value)
