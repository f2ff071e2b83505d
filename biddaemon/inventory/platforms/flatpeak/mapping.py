"""Canonical asset -> Flatpeak device.

The reference is the device's `reference_id`. Ratings are converted explicitly from MW / MWh to
kW / kWh (`power_rating_*_kwh` hold kW despite their names). A device is located by Flatpeak
location ids, so one without `flatpeak.location_ids` cannot be registered. A technology with no
Flatpeak device type goes as `OTHER`, and that is noted. Properties are compared one by one and
named `properties.<name>` in the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from biddaemon.inventory.canonical import AssetStatus, CanonicalAsset, Platform, Technology
from biddaemon.inventory.desired import Desired, Note
from biddaemon.inventory.units import mega_to_kilo
from biddaemon.markets.flatpeak import (
    Device,
    DeviceCreate,
    DeviceProperties,
    DeviceType,
    DeviceUpdate,
)

DEVICE = "device"
PROPERTIES = "properties."
DEVICE_TYPE: dict[Technology, DeviceType] = {
    Technology.BATTERY: DeviceType.BATTERY_SYSTEM,
    Technology.SOLAR_PV: DeviceType.PV_SYSTEM,
    Technology.EV_CHARGING: DeviceType.EV_CHARGER,
}
UNITS = {
    "properties.power_rating_import_kwh": "kW",
    "properties.power_rating_export_kwh": "kW",
    "properties.capacity_kwh": "kWh",
    "properties.pv_azimuth": "°",
    "properties.pv_tilt": "°",
}
_PROPERTY_FIELDS = (
    "power_rating_import_kwh",
    "power_rating_export_kwh",
    "capacity_kwh",
    "pv_azimuth",
    "pv_tilt",
    "pv_terrain_shading",
    "pv_forecasts_enabled",
    "install_date",
)


def desired(asset: CanonicalAsset) -> Desired:
    """The device `asset` should be on Flatpeak."""
    details = asset.flatpeak
    if not details.location_ids:
        return Desired(
            Platform.FLATPEAK,
            DEVICE,
            asset.ref,
            unsupported="set flatpeak.location_ids (Flatpeak places a device at a location id)",
        )
    notes: list[Note] = []
    device_type = details.device_type
    if device_type is None:
        known = DEVICE_TYPE.get(asset.technology)
        if known is None:
            notes.append(
                Note(
                    "technology",
                    f"Flatpeak has no device type for {asset.technology.value}; sent as OTHER",
                )
            )
        device_type = (known or DeviceType.OTHER).value
    values: dict[str, Any] = {
        "type": device_type,
        "locations": frozenset(details.location_ids),
        "manufacturer": details.manufacturer,
        "model_code": details.model_code,
        "model_name": details.model_name,
        "properties.power_rating_import_kwh": _kilo(asset.import_mw),
        "properties.power_rating_export_kwh": _kilo(asset.export_mw),
        "properties.capacity_kwh": _kilo(asset.energy_mwh),
        "properties.pv_azimuth": details.pv_azimuth,
        "properties.pv_tilt": details.pv_tilt,
        "properties.pv_terrain_shading": details.pv_terrain_shading,
        "properties.pv_forecasts_enabled": details.pv_forecasts_enabled,
        "properties.install_date": details.install_date,
    }
    if asset.status is not AssetStatus.OPERATIONAL:
        notes.append(
            Note("status", f"Flatpeak has no device status; it will not show {asset.status.value}")
        )
    left_out = [
        name
        for name in (
            "name",
            "voltage_kv",
            "postcode",
            "latitude",
            "longitude",
            "ramp_up_mw_per_min",
            "ramp_down_mw_per_min",
            "min_runtime",
            "max_runtime",
            "response_time",
            "recovery_time",
            "import_meter_id",
            "export_meter_id",
        )
        if getattr(asset, name) is not None
    ]
    if left_out:
        notes.append(Note(", ".join(left_out), "Flatpeak devices have no field for this; not sent"))
    fields = {name: value for name, value in values.items() if value is not None}
    return Desired(Platform.FLATPEAK, DEVICE, asset.ref, fields, tuple(notes))


def _kilo(value: Decimal | None) -> Decimal | None:
    return mega_to_kilo(value) if value is not None else None


def observed_fields(device: Device) -> dict[str, Any]:
    """The device's values under the same names and in the same form as `desired` uses."""
    values: dict[str, Any] = {
        "type": device.type.value if device.type else None,
        "locations": frozenset(device.locations),
        "manufacturer": device.manufacturer,
        "model_code": device.model_code,
        "model_name": device.model_name,
    }
    properties = device.properties
    for name in _PROPERTY_FIELDS:
        values[PROPERTIES + name] = getattr(properties, name) if properties else None
    return values


def _split(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    top: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith(PROPERTIES):
            properties[name.removeprefix(PROPERTIES)] = value
        else:
            top[name] = sorted(value) if isinstance(value, frozenset) else value
    return top, properties


def create_body(wanted: Desired) -> DeviceCreate:
    top, properties = _split(wanted.fields)
    return DeviceCreate.model_validate(
        {
            "reference_id": wanted.ref,
            **top,
            **({"properties": properties} if properties else {}),
        }
    )


def update_body(changed: Mapping[str, Any], current: Device) -> DeviceUpdate:
    """Changed top-level fields; if any property changed, every property the device has, with
    the changes applied (a PATCH may replace `properties` as a whole [assumed])."""
    top, properties = _split(changed)
    if properties:
        held = current.properties.to_wire() if current.properties else {}
        merged = {**held, **DeviceProperties.model_validate(properties).to_wire()}
        top["properties"] = DeviceProperties.model_validate(merged)
    return DeviceUpdate.model_validate(top)


def show(name: str, value: Any) -> str:
    """A value as the plan prints it for Flatpeak (kW, kWh)."""
    if value is None:
        return "(none)"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(str(item) for item in value)) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        unit = UNITS.get(name)
        text = format(value, "f")
        return f"{text} {unit}" if unit else text
    return str(value)
