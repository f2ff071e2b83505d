"""Sources into canonical facts, and the merge by reference: the file wins, conflicts are said."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from biddaemon.inventory.canonical import AssetStatus, Platform, Source, Technology
from biddaemon.inventory.file import InventoryFileInvalid, load_inventory_file
from biddaemon.inventory.merge import merge_inventory
from biddaemon.inventory.platforms.flatpeak.source import facts_from_device
from biddaemon.inventory.platforms.tensor.source import facts_from_tensor
from biddaemon.markets.flatpeak import Device
from biddaemon.markets.tensor import AssetsEnvelope
from tests.inventory.support import fixture_doc

TENSOR_ID = "51d5ffcf-1347-4277-93e8-dfca140fe8b3"


def tensor_facts():
    envelope = AssetsEnvelope.model_validate(fixture_doc("tensor/assets_response.json"))
    return [facts_from_tensor(asset) for asset in envelope.data]


def device_facts():
    return facts_from_device(Device.model_validate(fixture_doc("flatpeak/device_response.json")))


def load(tmp_path: Path, text: str):
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return load_inventory_file(path, require_complete=False)


def test_a_tensor_asset_becomes_facts_with_its_status_mapped():
    [facts] = tensor_facts()
    assert facts.ref == TENSOR_ID
    assert facts.source is Source.TENSOR
    assert (facts.name, facts.status, facts.country_code) == (
        "Demo asset",
        AssetStatus.IN_DEVELOPMENT,
        "JP",
    )
    assert (facts.latitude, facts.longitude) == (Decimal("38.543"), Decimal("138.564"))
    assert facts.technology is None  # Tensor does not say; the file must


def test_a_flatpeak_device_becomes_facts_in_mw_exactly():
    facts = device_facts()
    assert facts.ref == "DEV1234567890"
    assert facts.technology is None  # the documented answer has no `type`
    assert facts.import_mw == Decimal("0.0142")  # 14.2 kW
    assert facts.export_mw == Decimal("0.007")  # 7 kW
    assert facts.energy_mwh == Decimal("0.123")  # 123 kWh
    assert facts.flatpeak.device_type is None
    assert facts.flatpeak.location_ids == ("loc_641b90b758fb8e6293716e40",)
    assert facts.flatpeak.install_date == datetime(2022, 3, 22, 11, 12, 21, tzinfo=UTC)
    assert facts.name is None
    assert facts.status is None


def test_a_device_type_gives_the_technology_and_is_kept_for_the_way_back():
    document = {**fixture_doc("flatpeak/device_response.json"), "type": "ELECTRIC_VEHICLE"}
    facts = facts_from_device(Device.model_validate(document))
    assert facts.technology is Technology.EV_CHARGING
    assert facts.flatpeak.device_type == "ELECTRIC_VEHICLE"


def test_the_file_completes_an_imported_asset_and_wins_where_they_disagree(tmp_path):
    text = f"""\
assets:
  - ref: {TENSOR_ID}
    name: Demo plant (Fukushima)
    technology: solar_pv
    status: operational
    platforms: [piclo]
"""
    inventory = merge_inventory(load(tmp_path, text), tensor_facts())

    [asset] = inventory.assets
    assert asset.name == "Demo plant (Fukushima)"
    assert asset.status is AssetStatus.OPERATIONAL
    assert asset.latitude == Decimal("38.543")  # only Tensor knows it
    assert asset.sources == (Source.FILE, Source.TENSOR)
    assert asset.platforms == frozenset({Platform.PICLO})
    assert inventory.notes == (
        f"{TENSOR_ID} name: file says Demo plant (Fukushima), tensor says Demo asset; using file",
        f"{TENSOR_ID} status: file says operational, tensor says in_development; using file",
    )


def test_an_imported_asset_without_a_file_entry_is_reported_not_mirrored(tmp_path):
    inventory = merge_inventory(load(tmp_path, "assets: []\n"), [*tensor_facts(), device_facts()])
    assert inventory.assets == ()
    assert inventory.notes == (
        f"{TENSOR_ID} (from tensor) is not in the inventory file, so it is not mirrored; add an "
        "entry with this ref (technology, status, platforms) to mirror it",
        "DEV1234567890 (from flatpeak) is not in the inventory file, so it is not mirrored; add "
        "an entry with this ref (technology, status, platforms) to mirror it",
    )


def test_an_entry_still_incomplete_after_the_merge_is_refused_naming_every_gap(tmp_path):
    text = f"""\
assets:
  - ref: {TENSOR_ID}
    platforms: [piclo]
  - ref: DEV1234567890
    platforms: [flatpeak]
  - ref: nowhere-else
"""
    with pytest.raises(InventoryFileInvalid) as raised:
        merge_inventory(load(tmp_path, text), [*tensor_facts(), device_facts()])
    assert [str(p) for p in raised.value.file_problems] == [
        f"assets[0] ({TENSOR_ID}) technology: is required (neither the file nor tensor gives it)",
        "assets[1] (DEV1234567890) name: is required (neither the file nor flatpeak gives it)",
        "assets[1] (DEV1234567890) technology: is required (neither the file nor flatpeak gives "
        "it)",
        "assets[1] (DEV1234567890) status: is required (neither the file nor flatpeak gives it)",
        "assets[2] (nowhere-else) name: is required",
        "assets[2] (nowhere-else) technology: is required",
        "assets[2] (nowhere-else) status: is required",
    ]


def test_platform_details_merge_field_by_field(tmp_path):
    text = """\
assets:
  - ref: DEV1234567890
    name: Home battery
    technology: battery
    status: operational
    platforms: [flatpeak]
    flatpeak: {manufacturer: Nova Systems Ltd}
"""
    [asset] = merge_inventory(load(tmp_path, text), [device_facts()]).assets
    assert asset.flatpeak.manufacturer == "Nova Systems Ltd"
    assert asset.flatpeak.model_code == "PICOXN2"
    assert asset.flatpeak.location_ids == ("loc_641b90b758fb8e6293716e40",)
