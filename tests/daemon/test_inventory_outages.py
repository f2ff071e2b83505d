"""The inventory informs bidding, end to end over HTTP: a planned outage in the inventory file
shrinks the ballot in the windows it overlaps, and in no others."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from biddaemon.bidding.outages import outage_overlaps
from biddaemon.cli import main
from biddaemon.sandbox import SandboxServer
from biddaemon.store.models import Ballot
from biddaemon.strategy.snapshot import DAYS, OutageSpec, Schedule
from tests.daemon.conftest import DaemonFactory

GB = ZoneInfo("Europe/London")
LEFT = Decimal("0.100")  # what the outages leave of the ballot's assets in the chosen window


def _schedule(entry: dict[str, Any]) -> Schedule:
    window = entry["window"]
    return Schedule(
        date.fromisoformat(window["start_date"]),
        date.fromisoformat(window["end_date"]),
        time.fromisoformat(window["start_time"]),
        time.fromisoformat(window["end_time"]),
        frozenset(window["days"]),
    )


def _slot_only_in(target: dict[str, Any], bids: list[dict[str, Any]]) -> tuple[datetime, datetime]:
    """A quarter hour (GB local) of one occurrence of `target` that no other window touches."""
    schedule = _schedule(target)
    day = schedule.start_date
    while day < schedule.end_date:
        if DAYS[day.weekday()] in schedule.days:
            start = datetime.combine(day, schedule.start_time, tzinfo=GB)
            for quarter in range(8):
                begin = start + timedelta(minutes=15 * quarter)
                outage = OutageSpec(begin, begin + timedelta(minutes=15), Decimal(1))
                touched = [b for b in bids if outage_overlaps(_schedule(b), outage)]
                if [b["window_id"] for b in touched] == [target["window_id"]]:
                    return begin, begin + timedelta(minutes=15)
        day += timedelta(days=1)
    raise AssertionError(f"window {target['window_id']} has no quarter hour of its own")


def _market_bids(market: SandboxServer, competition_id: str) -> dict[str, Decimal]:
    active = [
        s.ballot
        for s in market.market.all_ballots()
        if s.active and s.ballot.competition_id == competition_id
    ]
    assert len(active) == 1
    return {bid.service_window_id: bid.capacity for bid in active[0].bids}


def _inventory(market: SandboxServer, flex_ids: list[str], need: str, slot: Any) -> str:
    start, end = (moment.strftime("%Y-%m-%d %H:%M") for moment in slot)  # GB local, no offset
    lines = ["assets:"]
    for number, asset_id in enumerate(flex_ids):
        asset = market.market.flex_asset(asset_id)
        capacity = (
            asset.active_export_capacity
            if need in ("deficit", "export")
            else asset.active_import_capacity
        )
        out = capacity - LEFT if number == 0 else capacity
        lines += [
            f"  - ref: {asset.ref}",
            f"    name: {asset.name}",
            "    technology: battery",
            "    status: operational",
        ]
        if out > 0:
            lines += [
                "    outages:",
                f'      - {{start: "{start}", end: "{end}", mw: "{out}", reason: maintenance}}',
            ]
    return "\n".join(lines) + "\n"


def test_a_planned_outage_shrinks_the_ballot_in_its_windows_and_no_others(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    engine: Engine,
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert make_daemon().opportunities()["submitted"] > 0
    with Session(engine) as session:
        # The first ballot decided: the competition that yields to no other open one.
        first = session.scalars(select(Ballot).order_by(Ballot.id)).first()
        assert first is not None
        competition_id, record = first.competition_id, first.decision
    bids = record["bids"]
    assert len(bids) >= 2, "a competition with more than one window"
    target = bids[-1]  # allocated last: no other window of the ballot depends on it
    assert Decimal(target["capacity"]) > LEFT
    before = _market_bids(market, competition_id)
    slot = _slot_only_in(target, bids)

    path = tmp_path / "inventory.yaml"
    need = record["competition"]["need_direction"]
    path.write_text(_inventory(market, record["assets"]["flex"], need, slot), encoding="utf-8")
    daemon = make_daemon(INVENTORY__PATH=str(path))
    daemon.assets()
    report = daemon.opportunities()
    assert report["skipped"] == {}

    after = _market_bids(market, competition_id)
    assert after[target["window_id"]] == LEFT
    changed = {w for w in before if after.get(w) != before[w]}
    assert changed == {target["window_id"]}

    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    capsys.readouterr()
    assert main(["history", "--competition", competition_id]) == 0
    history = capsys.readouterr().out
    assert "out for maintenance" in history
    assert "overlaps this window" in history
    assert "out (inventory):" in history
