"""The inventory file: what it accepts, exactly, and every mistake named at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from biddaemon.errors import ConfigurationError
from biddaemon.inventory.canonical import AssetStatus, Platform, Technology
from biddaemon.inventory.file import InventoryFileInvalid, load_inventory_file
from biddaemon.markets.localflex import ACTIVE_POWER_30M
from tests.inventory.conftest import INVENTORY


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str, **kw: bool) -> list[str]:
    with pytest.raises(InventoryFileInvalid) as raised:
        load_inventory_file(write(tmp_path, text), **kw)
    return [str(problem) for problem in raised.value.file_problems]


def test_the_documented_example_loads_into_exact_canonical_facts(tmp_path):
    inventory = load_inventory_file(write(tmp_path, INVENTORY))

    bess, solar, planned = (entry.facts for entry in inventory.entries)
    assert (bess.ref, bess.technology, bess.status) == (
        "bess-dunfermline-1",
        Technology.BATTERY,
        AssetStatus.OPERATIONAL,
    )
    assert bess.export_mw == Decimal("2.000")
    assert bess.voltage_kv == Decimal("11.00")
    assert bess.response_time == timedelta(minutes=15)
    assert bess.platforms == frozenset(Platform)
    assert bess.localflex.market_products == (ACTIVE_POWER_30M,)
    assert bess.flatpeak.location_ids == ("loc_641b90b758fb8e6293716e40",)
    # YAML numbers are read from their text: 5.5 and 56.1165 stay exact, not binary floats.
    assert solar.export_mw == Decimal("5.5")
    assert solar.latitude == Decimal("56.1165")
    assert solar.voltage_kv == Decimal(33)
    assert planned.piclo.competition_reference == "SPEN-2027-FIFE"
    [portfolio] = inventory.portfolios
    assert (portfolio.ref, portfolio.asset_types) == ("fife-storage", ("Storage",))


def test_every_mistake_is_named_with_its_entry_ref_and_field(tmp_path):
    text = """\
assets:
  - ref: bess-1
    name: BESS 1
    technology: batery
    status: operational
    export_mw: "-2"
    exprot_mw: "2"
    response_time: 15
    postcode: KY11
    platforms: [piclo, piclo]
  - ref: bess-1
    name: Copy
    technology: battery
    status: operational
    latitude: 56.1
  - name: no reference
    technology: chp
    status: operational
  - ref: "with space"
    name: X
    technology: other
    status: sold
    energy_mwh: "1.0000001"
    localflex: {market_products: [not-a-product]}
"""
    assert problems(tmp_path, text) == [
        "assets[0] (bess-1) technology: Input should be 'battery', 'solar_pv', 'onshore_wind', "
        "'offshore_wind', 'chp', 'ev_charging', 'demand_response' or 'other'",
        "assets[0] (bess-1) export_mw: Input should be greater than or equal to 0",
        "assets[0] (bess-1) response_time: must be an ISO 8601 duration such as PT30M "
        "(text, not a number)",
        "assets[0] (bess-1) platforms: a platform is listed twice",
        "assets[0] (bess-1) exprot_mw: unknown field (a typo?)",
        "assets[0] (bess-1) postcode: is not a UK postcode such as KY11 8UH",
        "assets[1] (bess-1) longitude: latitude and longitude go together",
        "assets[1] (bess-1) ref: is also used by assets[0]; refs must be unique",
        "assets[2] ref: is required",
        "assets[3] (with space) ref: must be 1-128 characters of letters, digits and . _ : - "
        "(starting with a letter or digit)",
        "assets[3] (with space) status: Input should be 'operational', 'in_development', "
        "'planned', 'mothballed' or 'archived'",
        "assets[3] (with space) energy_mwh: Decimal input should have no more than 6 decimal "
        "places",
        "assets[3] (with space) localflex.market_products[0]: must be a market product UUID or "
        "one of active_power_30m, active_power_60m",
    ]


def test_the_error_is_a_configuration_error_with_the_file_in_its_message(tmp_path):
    path = write(tmp_path, "assets:\n  - ref: a\n")
    with pytest.raises(ConfigurationError) as raised:
        load_inventory_file(path)
    message = str(raised.value)
    assert message.startswith(f"the inventory file {path} has 3 problems; nothing was planned")
    assert set(raised.value.problems) == {
        "assets[0] (a) name",
        "assets[0] (a) technology",
        "assets[0] (a) status",
    }


def test_with_import_sources_an_entry_may_leave_out_what_a_source_supplies(tmp_path):
    text = "assets:\n  - ref: 51d5ffcf\n    technology: solar_pv\n    platforms: [piclo]\n"
    [entry] = load_inventory_file(write(tmp_path, text), require_complete=False).entries
    assert entry.facts.name is None
    assert entry.facts.technology is Technology.SOLAR_PV


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assets: [\n", "line 2, column 1: not valid YAML"),
        ("- just a list\n", "file: the file must be a mapping with an `assets:` list"),
        ("assets: {}\n", "assets: must be a list of asset entries"),
        ("asets: []\n", "asets: unknown section (a typo?)"),
        ("assets:\n  - 42\n", "assets[0]: must be a mapping of fields"),
        ("assets: []\nlocalflex: {portfolio: []}\n", "localflex: may only hold `portfolios:`"),
        (
            "assets:\n  - {ref: a, name: A, technology: chp, status: planned, export_mw: .nan}\n",
            "not valid YAML: .nan is not a usable number",
        ),
    ],
)
def test_a_file_that_is_not_an_inventory_says_where(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert any(expected in problem for problem in found), found


def test_a_missing_file_names_the_setting(tmp_path):
    with pytest.raises(InventoryFileInvalid) as raised:
        load_inventory_file(tmp_path / "nowhere.yaml")
    assert "the file does not exist (check BIDDAEMON_INVENTORY__PATH)" in str(raised.value)


def test_a_portfolio_needs_a_name_and_products(tmp_path):
    text = "assets: []\nlocalflex:\n  portfolios:\n    - ref: p\n    - ref: p\n      name: P\n"
    assert problems(tmp_path, text) == [
        "localflex.portfolios[0] (p) name: is required",
        "localflex.portfolios[0] (p) market_products: is required",
        "localflex.portfolios[1] (p) ref: is also used by localflex.portfolios[0]",
        "localflex.portfolios[1] (p) market_products: is required",
    ]
