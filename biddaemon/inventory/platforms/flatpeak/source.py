"""Flatpeak devices -> `AssetFacts` (the device's `reference_id` is the reference).

Ratings are converted explicitly from kW / kWh to MW / MWh. The device type maps to a
technology (`ELECTRIC_VEHICLE` and `EV_CHARGER` both to ev_charging) and is also kept as the
Flatpeak device type, so mirroring the asset back never changes it. Flatpeak has no name or
status for a device; the inventory file gives them.
"""

from __future__ import annotations

from biddaemon.inventory.canonical import AssetFacts, FlatpeakDetails, Source, Technology
from biddaemon.inventory.units import kilo_to_mega
from biddaemon.markets.flatpeak import Device, DeviceType, FlatpeakClient

TECHNOLOGY = {
    DeviceType.BATTERY_SYSTEM: Technology.BATTERY,
    DeviceType.PV_SYSTEM: Technology.SOLAR_PV,
    DeviceType.EV_CHARGER: Technology.EV_CHARGING,
    DeviceType.ELECTRIC_VEHICLE: Technology.EV_CHARGING,
    DeviceType.OTHER: Technology.OTHER,
}


def facts_from_device(device: Device) -> AssetFacts:
    properties = device.properties
    export_kw = properties.power_rating_export_kwh if properties else None
    import_kw = properties.power_rating_import_kwh if properties else None
    energy_kwh = properties.capacity_kwh if properties else None
    return AssetFacts(
        ref=device.reference_id,
        source=Source.FLATPEAK,
        technology=TECHNOLOGY[device.type] if device.type else None,
        export_mw=kilo_to_mega(export_kw) if export_kw is not None else None,
        import_mw=kilo_to_mega(import_kw) if import_kw is not None else None,
        energy_mwh=kilo_to_mega(energy_kwh) if energy_kwh is not None else None,
        flatpeak=FlatpeakDetails(
            device_type=device.type.value if device.type else None,
            location_ids=device.locations or None,
            manufacturer=device.manufacturer,
            model_code=device.model_code,
            model_name=device.model_name,
            install_date=properties.install_date if properties else None,
            pv_azimuth=properties.pv_azimuth if properties else None,
            pv_tilt=properties.pv_tilt if properties else None,
            pv_terrain_shading=properties.pv_terrain_shading if properties else None,
            pv_forecasts_enabled=properties.pv_forecasts_enabled if properties else None,
        ),
    )


def import_flatpeak(client: FlatpeakClient) -> list[AssetFacts]:
    """Every device of the account, as facts."""
    return [facts_from_device(device) for device in client.list_devices()]
