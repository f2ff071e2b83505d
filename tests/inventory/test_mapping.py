"""Canonical asset -> each platform: units converted explicitly, precision and gaps reported."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from biddaemon.inventory.canonical import (
    AssetStatus,
    CanonicalAsset,
    FlatpeakDetails,
    LocalFlexDetails,
    PicloDetails,
    Platform,
    Technology,
)
from biddaemon.inventory.plan import Action, diff
from biddaemon.inventory.platforms.flatpeak import mapping as flatpeak
from biddaemon.inventory.platforms.localflex import mapping as localflex
from biddaemon.inventory.platforms.localflex.target import LocalFlexTarget
from biddaemon.inventory.platforms.piclo import mapping as piclo
from biddaemon.inventory.target import Observed
from biddaemon.inventory.units import format_clock_duration, kilo_to_mega, mega_to_kilo
from biddaemon.markets.flatpeak import Device
from biddaemon.markets.localflex import ACTIVE_POWER_30M, AssetView

BESS = CanonicalAsset(
    ref="bess-1",
    name="BESS 1",
    technology=Technology.BATTERY,
    status=AssetStatus.OPERATIONAL,
    platforms=frozenset(Platform),
    postcode="KY11 8UH",
    voltage_kv=Decimal("11.00"),
    export_mw=Decimal("2.000"),
    import_mw=Decimal("1.5"),
    energy_mwh=Decimal("4"),
    ramp_up_mw_per_min=Decimal("0.25"),
    response_time=timedelta(minutes=15),
    localflex=LocalFlexDetails(market_products=(ACTIVE_POWER_30M,)),
    flatpeak=FlatpeakDetails(location_ids=("loc_1",)),
)


def test_units_convert_exactly_both_ways():
    assert kilo_to_mega(Decimal("14.2")) == Decimal("0.0142")
    assert mega_to_kilo(Decimal("0.0142")) == Decimal("14.2")
    assert mega_to_kilo(Decimal("2.000")) == Decimal(2000)
    assert format_clock_duration(timedelta(hours=1, minutes=30)) == "01:30:00"
    with pytest.raises(ValueError, match="up to, not including, one day"):
        format_clock_duration(timedelta(days=1))


def test_piclo_gets_mw_with_three_places_rounded_down_and_says_so():
    wanted = piclo.desired(replace(BESS, export_mw=Decimal("2.0149"), voltage_kv=Decimal("11.005")))
    assert wanted.kind == "flex_asset"
    assert wanted.fields["active_export_capacity"] == Decimal("2.014")
    assert wanted.fields["voltage_level"] == Decimal("11.01")
    notes = {note.field: note.message for note in wanted.notes}
    assert notes["export_mw"] == "2.0149 MW has more places than Piclo holds; sent as 2.014"
    assert notes["voltage_kv"] == "11.005 kV has more places than Piclo holds; sent as 11.01"
    assert notes["energy_mwh, ramp_up_mw_per_min"] == "Piclo has no field for this; not sent"
    assert piclo.show("response_time", wanted.fields["response_time"]) == "00:15:00"


def test_piclo_reports_a_duration_it_cannot_write_instead_of_dropping_it():
    wanted = piclo.desired(replace(BESS, max_runtime=timedelta(days=1, hours=2)))
    assert "max_runtime" not in wanted.fields
    assert {n.field: n.message for n in wanted.notes}["max_runtime"] == (
        "1 day, 2:00:00 is a day or more; Piclo takes HH:MM:SS"
    )


def test_piclo_needs_a_voltage_and_a_location():
    wanted = piclo.desired(replace(BESS, voltage_kv=None, postcode=None))
    assert wanted.unsupported == (
        "set voltage_kv (Piclo requires the connection voltage); set a postcode, or latitude "
        "and longitude (Piclo requires a location)"
    )


def test_a_planned_asset_is_a_piclo_planned_asset_for_one_competition():
    planned = replace(
        BESS,
        status=AssetStatus.PLANNED,
        piclo=PicloDetails(competition_reference="C-1", operator_name="SPEN"),
    )
    wanted = piclo.desired(planned)
    assert wanted.kind == "planned_asset"
    assert (wanted.fields["capacity_type"], wanted.fields["capacity_value"]) == (
        "export",
        Decimal("2.000"),
    )
    left_out = {n.field for n in wanted.notes}
    assert "import_mw, postcode, energy_mwh, ramp_up_mw_per_min, response_time" in left_out
    unsupported = piclo.desired(replace(planned, piclo=PicloDetails()))
    assert "set piclo.competition_reference and piclo.operator_name" in unsupported.unsupported


def test_localflex_gets_a_deterministic_mrid_and_kw_per_minute_ramps():
    wanted = localflex.desired(BESS)
    assert wanted.key == localflex.desired(BESS).key == localflex.asset_mrid("bess-1")
    assert uuid.UUID(wanted.key).version == 5
    assert wanted.key != localflex.asset_mrid("bess-2")
    assert wanted.fields["rampRateUp"] == Decimal(250)
    assert wanted.fields["flexibleCapacityUp"] == Decimal("2.000")
    assert wanted.fields["flexibleCapacityDown"] == Decimal("1.5")
    body = localflex.asset_create_body(wanted).to_wire()
    assert (body["rampRateUp"], body["rampRateUpUnit"]) == (250, "kW/min")
    assert (body["flexibleCapacityDown"], body["flexibleCapacityDownUnit"]) == (1.5, "MW")
    assert body["responseTimeDuration"] == "PT15M"
    assert body["marketProducts"] == [ACTIVE_POWER_30M]


def test_a_localflex_value_held_in_kw_is_compared_in_mw():
    wanted = localflex.desired(BESS)
    body = localflex.asset_create_body(wanted).to_wire()
    body |= {"flexibleCapacityUp": 2000, "flexibleCapacityUpUnit": "kW"}
    view = AssetView.model_validate({"asset": body, "soApproved": True, "moApproved": True})
    current = Observed(wanted.key, localflex.observed_fields(view))
    assert diff(wanted, current, LocalFlexTarget(client=None)).action is Action.UNCHANGED


def test_a_localflex_capacity_change_is_flagged_as_resetting_the_approval():
    wanted = localflex.desired(BESS)
    current = dict(wanted.fields) | {"flexibleCapacityUp": Decimal(3), "name": "Old name"}
    step = diff(wanted, Observed(wanted.key, current), LocalFlexTarget(client=None))
    assert [(c.field, c.old, c.new, c.resets_approval) for c in step.changes] == [
        ("name", "Old name", "BESS 1", False),
        ("flexibleCapacityUp", "3 MW", "2.000 MW", True),
    ]
    assert step.resets_approval


def test_localflex_cannot_show_a_status_or_a_voltage_and_says_so():
    wanted = localflex.desired(replace(BESS, status=AssetStatus.MOTHBALLED))
    notes = {n.field: n.message for n in wanted.notes}
    assert notes["status"] == "LocalFlex has no asset status; it will not show mothballed"
    assert notes["voltage_kv"] == "LocalFlex has no field for this; not sent"


def test_flatpeak_gets_kw_and_kwh_and_a_device_type():
    wanted = flatpeak.desired(BESS)
    assert wanted.fields["type"] == "BATTERY_SYSTEM"
    assert wanted.fields["properties.power_rating_export_kwh"] == Decimal(2000)
    assert wanted.fields["properties.power_rating_import_kwh"] == Decimal(1500)
    assert wanted.fields["properties.capacity_kwh"] == Decimal(4000)
    body = flatpeak.create_body(wanted).to_wire()
    assert body["properties"] == {
        "power_rating_import_kwh": 1500,
        "power_rating_export_kwh": 2000,
        "capacity_kwh": 4000,
    }


def test_a_technology_flatpeak_has_no_type_for_goes_as_other_and_is_noted():
    wanted = flatpeak.desired(replace(BESS, technology=Technology.ONSHORE_WIND))
    assert wanted.fields["type"] == "OTHER"
    assert {n.field: n.message for n in wanted.notes}["technology"] == (
        "Flatpeak has no device type for onshore_wind; sent as OTHER"
    )


def test_a_flatpeak_property_update_keeps_the_properties_it_does_not_manage():
    device = Device.model_validate(
        {
            "id": "dev_1",
            "live_mode": False,
            "reference_id": "bess-1",
            "properties": {"capacity_kwh": 4000, "pv_tilt": 20, "vendor_extra": "kept"},
        }
    )
    body = flatpeak.update_body({"properties.capacity_kwh": Decimal(4500)}, device).to_wire()
    assert body == {"properties": {"capacity_kwh": 4500, "pv_tilt": 20, "vendor_extra": "kept"}}
