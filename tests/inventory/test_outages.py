"""Planned outages and maintenance in the inventory file: read exactly, checked like every other
field, stored with the asset, and read back by the bidding cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from biddaemon.clock import use_clock, utcnow
from biddaemon.inventory.canonical import AssetStatus
from biddaemon.inventory.file import InventoryFileInvalid, load_inventory_file
from biddaemon.inventory.merge import merge_inventory
from biddaemon.inventory.records import store_assets
from biddaemon.store import migrate
from biddaemon.store.database import make_engine, session_factory
from biddaemon.store.fleet import inventory_by_ref
from biddaemon.strategy.snapshot import OutageSpec

ENTRY = """\
assets:
  - ref: bess-1
    name: BESS 1
    technology: battery
    status: {status}
    export_mw: "3.000"
    outages:
{outages}
"""


def _file(tmp_path: Path, outages: str, status: str = "operational") -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(ENTRY.format(status=status, outages=outages), encoding="utf-8")
    return path


def test_outage_times_are_gb_local_unless_they_carry_an_offset(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        '      - {start: "2027-01-12 08:00", end: "2027-01-12 12:00", mw: "2.000"}\n'
        '      - {start: "2027-07-12 08:00", end: "2027-07-12T12:00:00+00:00", mw: 0.5,'
        " reason: inverter swap}\n",
    )
    (entry,) = load_inventory_file(path).entries
    winter, summer = entry.facts.outages or ()
    assert (winter.start, winter.end) == (
        datetime(2027, 1, 12, 8, tzinfo=UTC),
        datetime(2027, 1, 12, 12, tzinfo=UTC),
    )
    assert winter.mw == Decimal("2.000")
    assert winter.reason is None
    assert summer.start == datetime(2027, 7, 12, 7, tzinfo=UTC)  # 08:00 BST
    assert summer.end == datetime(2027, 7, 12, 12, tzinfo=UTC)
    assert summer.mw == Decimal("0.5")
    assert summer.reason == "inverter swap"


def test_every_outage_mistake_is_reported_at_once_with_its_place(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        '      - {start: "2027-01-12 12:00", end: "2027-01-12 08:00", mw: "1"}\n'
        '      - {start: "next tuesday", end: "2027-01-12 08:00", mw: "0", until: x}\n',
        status="resting",
    )
    with pytest.raises(InventoryFileInvalid) as raised:
        load_inventory_file(path)
    found = [str(problem) for problem in raised.value.file_problems]
    assert [p.split(":")[0] for p in found] == [
        "assets[0] (bess-1) status",
        "assets[0] (bess-1) outages[0]",
        "assets[0] (bess-1) outages[1].start",
        "assets[0] (bess-1) outages[1].mw",
        "assets[0] (bess-1) outages[1].until",
    ]
    assert "end must be after start" in found[1]
    assert "2027-01-12 08:00 (GB local)" in found[2]


def test_stored_outages_and_maintenance_reach_the_bidding_cycle(
    tmp_path: Path, database_url: str
) -> None:
    path = _file(
        tmp_path,
        '      - {start: "2027-01-12 08:00", end: "2027-01-12 12:00", mw: "2.000",'
        " reason: maintenance}\n"
        '      - {start: "2026-12-01 08:00", end: "2026-12-01 12:00", mw: "1.000"}\n',
        status="mothballed",
    )
    inventory = merge_inventory(load_inventory_file(path), [], path=path)
    assert inventory.assets[0].status is AssetStatus.MOTHBALLED
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    try:
        store_assets(factory, inventory.assets, now=datetime(2027, 1, 1, tzinfo=UTC))
        use_clock(lambda: datetime(2027, 1, 10, tzinfo=UTC))
        with factory() as session:
            facts = inventory_by_ref(session, utcnow())
    finally:
        use_clock(None)
        engine.dispose()
    assert facts["bess-1"].status == "mothballed"
    assert facts["bess-1"].outages == (  # the outage already over is not read
        OutageSpec(
            datetime(2027, 1, 12, 8, tzinfo=UTC),
            datetime(2027, 1, 12, 12, tzinfo=UTC),
            Decimal("2.000"),
            "maintenance",
        ),
    )


def test_an_asset_without_outages_keeps_its_stored_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "assets:\n  - {ref: a, name: A, technology: battery, status: operational}\n",
        encoding="utf-8",
    )
    (asset,) = merge_inventory(load_inventory_file(path), [], path=path).assets
    assert "outages" not in asset.to_record()
