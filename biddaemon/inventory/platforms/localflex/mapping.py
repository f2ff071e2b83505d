"""Canonical asset -> LocalFlex asset; inventory portfolio -> LocalFlex portfolio.

The mrid is derived from the reference (uuid5 in the project's namespace), so the same asset
always has the same id and creating it twice is harmless. Flexible capacity "up" is the export
direction (more generation or less demand), "down" the import direction [assumed]; capacities
are sent in MW and MWh, ramp rates converted to kW/min, durations as ISO 8601. A platform value
in kW or kWh is converted to MW before comparing, so only a real change is planned. Changing a
field in `APPROVAL_RESET_FIELDS` resets the asset's approval; the plan flags it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from biddaemon.errors import BadMarketData
from biddaemon.inventory.canonical import (
    AssetStatus,
    CanonicalAsset,
    Platform,
    Portfolio,
    Technology,
)
from biddaemon.inventory.desired import Desired, Note
from biddaemon.inventory.units import format_iso_duration, mega_to_kilo
from biddaemon.markets.localflex import (
    APPROVAL_RESET_FIELDS,
    AssetCreate,
    AssetType,
    AssetUpdate,
    AssetView,
    PortfolioCreate,
    PortfolioUpdate,
)
from biddaemon.markets.localflex import Portfolio as PortfolioRecord

ASSET = "asset"
PORTFOLIO = "portfolio"
# Never change: every mrid biddaemon ever created is derived from it.
NAMESPACE = uuid.UUID("2073ad27-e496-44d5-a88b-06f235ff50b5")

ASSET_TYPE: dict[Technology, AssetType] = {
    Technology.BATTERY: AssetType.STORAGE,
    Technology.SOLAR_PV: AssetType.SOLAR,
    Technology.ONSHORE_WIND: AssetType.WIND,
    Technology.OFFSHORE_WIND: AssetType.WIND,
    Technology.CHP: AssetType.CHP,
    Technology.EV_CHARGING: AssetType.EV,
    Technology.DEMAND_RESPONSE: AssetType.DEMAND_RESPONSE,
    Technology.OTHER: AssetType.OTHER,
}
POWER_UNITS = {"MW": 0, "kW": 3}
ENERGY_UNITS = {"MWh": 0, "kWh": 3}
RAMP_UNITS = {"kW/min": 0, "MW/min": -3}  # to kW/min
UNITS = {
    "flexibleCapacityUp": "MW",
    "flexibleCapacityDown": "MW",
    "usabilityCapacity": "MWh",
    "rampRateUp": "kW/min",
    "rampRateDown": "kW/min",
}
# The unit that travels with a quantity (sent with it, and part of the approval rule).
UNIT_FIELDS = {
    "flexibleCapacityUp": "flexibleCapacityUpUnit",
    "flexibleCapacityDown": "flexibleCapacityDownUnit",
    "usabilityCapacity": "usabilityCapacityUnit",
    "rampRateUp": "rampRateUpUnit",
    "rampRateDown": "rampRateDownUnit",
}
_ASSET_FIELDS = (
    "assetType",
    "name",
    "flexibleCapacityUp",
    "flexibleCapacityDown",
    "usabilityCapacity",
    "rampRateUp",
    "rampRateDown",
    "minimumActivationTimeDuration",
    "maximumActivationTimeDuration",
    "responseTimeDuration",
    "recoveryTimeDuration",
    "canProvideMetering",
    "marketProducts",
    "contactName",
    "phoneNumber",
    "email",
    "gridNodeMRID",
    "postcode",
    "location",
    "importMeterId",
    "exportMeterId",
)


def asset_mrid(ref: str) -> str:
    """The LocalFlex mrid of the inventory asset `ref`, the same on every run."""
    return str(uuid.uuid5(NAMESPACE, f"asset:{ref}"))


def portfolio_mrid(ref: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"portfolio:{ref}"))


def resets_approval(field: str) -> bool:
    return field in APPROVAL_RESET_FIELDS


def desired(asset: CanonicalAsset) -> Desired:
    """The LocalFlex asset `asset` should be."""
    details = asset.localflex
    reasons = []
    if not details.market_products:
        reasons.append("set localflex.market_products (the products the asset offers)")
    if not details.grid_node_mrid and not asset.postcode:
        reasons.append("set localflex.grid_node_mrid or a postcode (LocalFlex locates assets so)")
    if reasons:
        return Desired(
            Platform.LOCALFLEX, ASSET, asset.ref, unsupported="; ".join(reasons), key=None
        )
    values: dict[str, Any] = {
        "assetType": (details.asset_type or ASSET_TYPE[asset.technology].value),
        "name": asset.name,
        "flexibleCapacityUp": asset.export_mw,
        "flexibleCapacityDown": asset.import_mw,
        "usabilityCapacity": asset.energy_mwh,
        "rampRateUp": _kw(asset.ramp_up_mw_per_min),
        "rampRateDown": _kw(asset.ramp_down_mw_per_min),
        "minimumActivationTimeDuration": asset.min_runtime,
        "maximumActivationTimeDuration": asset.max_runtime,
        "responseTimeDuration": asset.response_time,
        "recoveryTimeDuration": asset.recovery_time,
        "canProvideMetering": details.can_provide_metering,
        "marketProducts": frozenset(details.market_products or ()),
        "contactName": details.contact_name,
        "phoneNumber": details.phone_number,
        "email": details.email,
        "gridNodeMRID": details.grid_node_mrid,
        "postcode": asset.postcode,
        "location": details.location,
        "importMeterId": asset.import_meter_id,
        "exportMeterId": asset.export_meter_id,
    }
    notes: list[Note] = []
    if asset.status is not AssetStatus.OPERATIONAL:
        notes.append(
            Note("status", f"LocalFlex has no asset status; it will not show {asset.status.value}")
        )
    left_out = [name for name in ("voltage_kv",) if getattr(asset, name) is not None]
    if asset.latitude is not None:
        left_out += ["latitude", "longitude"]
    if left_out:
        notes.append(Note(", ".join(left_out), "LocalFlex has no field for this; not sent"))
    fields = {name: value for name, value in values.items() if value is not None}
    return Desired(
        Platform.LOCALFLEX, ASSET, asset.ref, fields, tuple(notes), key=asset_mrid(asset.ref)
    )


def desired_portfolio(portfolio: Portfolio) -> Desired:
    values: dict[str, Any] = {
        "name": portfolio.name,
        "gridNodeMrid": portfolio.grid_node_mrid,
        "marketProducts": frozenset(portfolio.market_products),
        "autoAssignAsset": portfolio.auto_assign_asset,
        "assetTypes": (
            frozenset(portfolio.asset_types) if portfolio.asset_types is not None else None
        ),
    }
    fields = {name: value for name, value in values.items() if value is not None}
    return Desired(
        Platform.LOCALFLEX,
        PORTFOLIO,
        portfolio.ref,
        fields,
        key=portfolio_mrid(portfolio.ref),
        inventory_asset=False,
    )


def _kw(mw_per_min: Decimal | None) -> Decimal | None:
    return mega_to_kilo(mw_per_min) if mw_per_min is not None else None


def _in_unit(
    name: str, value: Decimal | None, unit: str | None, table: Mapping[str, int], default: str
) -> Decimal | None:
    """A LocalFlex quantity in our unit (`default`), whatever unit LocalFlex holds it in."""
    if value is None:
        return None
    shift = table.get(unit or default)
    if shift is None:
        raise BadMarketData(f"LocalFlex {name} is in {unit!r}, which biddaemon does not know")
    return value.scaleb(-shift)


def observed_fields(view: AssetView) -> dict[str, Any]:
    """The asset's values under the same names, units and forms as `desired` uses."""
    asset = view.asset
    return {
        "assetType": asset.asset_type.value,
        "name": asset.name,
        "flexibleCapacityUp": _in_unit(
            "flexibleCapacityUp",
            asset.flexible_capacity_up,
            asset.flexible_capacity_up_unit,
            POWER_UNITS,
            "MW",
        ),
        "flexibleCapacityDown": _in_unit(
            "flexibleCapacityDown",
            asset.flexible_capacity_down,
            asset.flexible_capacity_down_unit,
            POWER_UNITS,
            "MW",
        ),
        "usabilityCapacity": _in_unit(
            "usabilityCapacity",
            asset.usability_capacity,
            asset.usability_capacity_unit,
            ENERGY_UNITS,
            "MWh",
        ),
        "rampRateUp": _in_unit(
            "rampRateUp", asset.ramp_rate_up, asset.ramp_rate_up_unit, RAMP_UNITS, "kW/min"
        ),
        "rampRateDown": _in_unit(
            "rampRateDown", asset.ramp_rate_down, asset.ramp_rate_down_unit, RAMP_UNITS, "kW/min"
        ),
        "minimumActivationTimeDuration": asset.minimum_activation_time,
        "maximumActivationTimeDuration": asset.maximum_activation_time,
        "responseTimeDuration": asset.response_time,
        "recoveryTimeDuration": asset.recovery_time,
        "canProvideMetering": asset.can_provide_metering,
        "marketProducts": frozenset(p.lower() for p in asset.products),
        "contactName": asset.contact_name,
        "phoneNumber": asset.phone_number,
        "email": asset.email,
        "gridNodeMRID": asset.grid_node_mrid,
        "postcode": " ".join(asset.postcode.upper().split()) if asset.postcode else None,
        "location": asset.location,
        "importMeterId": asset.import_meter_id,
        "exportMeterId": asset.export_meter_id,
    }


def observed_portfolio_fields(record: PortfolioRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "gridNodeMrid": record.grid_node_mrid,
        "marketProducts": frozenset(p.lower() for p in record.market_products),
        "autoAssignAsset": record.auto_assign_asset,
        "assetTypes": (
            frozenset(t.value for t in record.asset_types)
            if record.asset_types is not None
            else None
        ),
    }


def _wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as the client models take them (lists sorted, units beside quantities)."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        body[name] = sorted(value) if isinstance(value, frozenset) else value
        if name in UNIT_FIELDS:
            body[UNIT_FIELDS[name]] = UNITS[name]
    return body


def asset_create_body(wanted: Desired) -> AssetCreate:
    return AssetCreate.model_validate({"mrid": wanted.key, **_wire(wanted.fields)})


def portfolio_create_body(wanted: Desired) -> PortfolioCreate:
    return PortfolioCreate.model_validate({"mrid": wanted.key, **_wire(wanted.fields)})


def asset_update_body(changed: Mapping[str, Any]) -> AssetUpdate:
    return AssetUpdate.model_validate(_wire(changed))


def portfolio_update_body(changed: Mapping[str, Any]) -> PortfolioUpdate:
    return PortfolioUpdate.model_validate(_wire(changed))


def show(name: str, value: Any) -> str:
    """A value as the plan prints it for LocalFlex (units, ISO 8601 durations)."""
    if value is None:
        return "(none)"
    if isinstance(value, timedelta):
        return format_iso_duration(value)
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(str(item) for item in value)) + "]"
    if isinstance(value, Decimal):
        unit = UNITS.get(name)
        text = format(value, "f")
        return f"{text} {unit}" if unit else text
    return str(value)
