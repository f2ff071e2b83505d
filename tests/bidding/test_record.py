"""The decision record: JSON, complete enough to explain every number and to rebuild commitments."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from biddaemon.bidding import commitments_from_record, decide, render_decision
from biddaemon.bidding.record import jsonable
from biddaemon.settings import StrategySettings
from biddaemon.strategy import GuidePriceStrategy
from tests.bidding.support import (
    MARGIN,
    asset,
    bid,
    commitment,
    competition,
    propose,
    run,
    skip,
    snapshot,
    window,
)


def _guide_price_decision() -> dict:  # type: ignore[type-arg]
    comp = competition(
        windows=[window("w1", capacity_required="2"), window("w2", capacity_required="0")]
    )
    snap = snapshot(
        comp,
        [asset("a1", "1.5", energy_mwh="3"), asset("p1", "1", kind="planned"), asset("z", "0")],
        commitments=[commitment("a1", "0.6")],
        settings=StrategySettings(price_fraction=Decimal("0.9"), utilisation_floor=Decimal("280")),
    )
    decision = decide(GuidePriceStrategy(), snap, safety_margin=MARGIN, allow_overbooking=False)
    return decision.record


def test_the_record_survives_a_json_round_trip() -> None:
    record = _guide_price_decision()
    assert json.loads(json.dumps(record)) == record


def test_each_bid_lists_the_numbers_it_came_from() -> None:
    entry = _guide_price_decision()["bids"][0]
    assert entry["basis"]["availability_guide_price"] == "15.00"
    assert entry["basis"]["price_fraction"] == "0.9"
    assert entry["basis"]["utilisation_floor"] == "280"
    assert entry["basis"]["utilisation_floor_applied"] is True
    assert entry["basis"]["qualified_capacity"] == "2.500"
    assert entry["basis"]["derating_factor"] == "0.90"
    assert entry["rates"] == {"availability": "13.50", "utilisation": "280.00"}
    assert entry["proposed_capacity"] == "2"
    assert entry["available_capacity"] == "1.900"
    assert entry["capacity"] == "1.900"
    assert entry["allocation"] == [
        {"kind": "planned", "asset_id": "p1", "capacity": "1.000"},
        {"kind": "flex", "asset_id": "a1", "capacity": "0.900"},
    ]
    assert entry["reductions"][0].startswith("reduced from 2.000 to 1.900 MW")
    assert entry["max_runtime"] == "02:00:00"


def test_skipped_windows_and_left_out_assets_are_recorded_with_reasons() -> None:
    record = _guide_price_decision()
    assert record["skipped"] == [{"window_id": "w2", "reason": "window w2 requires no capacity"}]
    assert record["assets"]["excluded"] == [
        {"kind": "flex", "id": "z", "reason": "no capacity in the need direction"}
    ]


def test_render_names_every_bid_skip_and_reason() -> None:
    lines = render_decision(_guide_price_decision())
    text = "\n".join(lines)
    assert lines[0] == (
        "competition c1 (availability_utilisation, deficit need), closes 2027-01-11T12:00:00Z"
    )
    assert "BALLOT" in lines[1]
    assert "assets: flex a1; planned p1 (2.500 MW in the need direction)" in text
    assert "bid window w1" in text
    assert "1.900 MW, availability 13.50, utilisation 280.00" in text
    assert "utilisation_floor_applied yes" in text
    assert "allocation: planned p1 1.000, flex a1 0.900 (of 1.900 MW available)" in text
    assert "already held: flex a1 0.600 MW (other)" in text
    assert "skipped window w2: window w2 requires no capacity" in text
    assert "not included: flex z: no capacity in the need direction" in text


def test_render_shows_a_refusal_and_a_strategy_error() -> None:
    class Broken:
        name = "broken"

        def propose(self, snapshot: object) -> list[object]:
            raise KeyError("availability")

    record = decide(Broken(), snapshot(), safety_margin=MARGIN, allow_overbooking=False).record
    lines = render_decision(record)
    assert "REFUSED" in lines[1]
    assert "refused: strategy broken raised KeyError: 'availability'" in lines
    assert lines[-1].startswith("strategy error: KeyError: 'availability' at ")


def test_render_tolerates_an_empty_record() -> None:
    assert render_decision({})[0].startswith("competition ?")


def test_commitments_are_rebuilt_from_a_stored_record() -> None:
    record = json.loads(json.dumps(_guide_price_decision()))  # as read back from the database
    promised = commitments_from_record(record)
    assert [(c.kind, c.asset_id, c.capacity) for c in promised] == [
        ("planned", "p1", Decimal("1.000")),
        ("flex", "a1", Decimal("0.900")),
    ]
    assert {c.competition_id for c in promised} == {"c1"}
    assert promised[0].schedule == window("w1").schedule


def test_a_refused_or_unchanged_record_promises_accordingly() -> None:
    refused = run([skip("w1")]).record
    assert commitments_from_record(refused) == ()
    sent = run([propose(bid("1"))]).record
    assert len(commitments_from_record({**sent, "outcome": "unchanged"})) == 1


def test_jsonable_writes_exact_strings() -> None:
    assert jsonable(
        {
            "d": Decimal("0.10"),
            "t": timedelta(days=1, seconds=5),
            "neg": timedelta(seconds=-5),
            "day": date(2027, 1, 2),
            "time": time(16, 30),
            "set": frozenset({"b", "a"}),
        }
    ) == {
        "d": "0.10",
        "t": "1T00:00:05",
        "neg": "-00:00:05",
        "day": "2027-01-02",
        "time": "16:30:00",
        "set": ["a", "b"],
    }


def test_a_version_1_record_stored_by_an_older_daemon_still_renders_what_was_held() -> None:
    bid = {
        "window_id": "w1",
        "allocation": [{"kind": "flex", "asset_id": "a1", "capacity": "0.400"}],
        "already_held": [
            {"kind": "flex", "asset_id": "a1", "capacity": "1.600", "held_by": ["x", "y"]}
        ],
    }
    text = "\n".join(render_decision({"version": 1, "outcome": "ballot", "bids": [bid]}))
    assert "already held: flex a1 1.600 MW (x; y)" in text
    assert commitments_from_record(
        {"version": 1, "outcome": "ballot", "competition": {"id": "c1"}, "bids": [_dated(bid)]}
    )[0].capacity == Decimal("0.400")


def test_a_version_2_record_shows_each_assets_holdings_summed_with_their_holders() -> None:
    bid = {
        "window_id": "w1",
        "allocation": [],
        "already_held": ["x|x1|flex|a1", "y|y1|flex|a1", "x|x2|flex|a2"],
    }
    held = {
        "x|x1|flex|a1": {"kind": "flex", "asset_id": "a1", "capacity": "0.700", "held_by": "x"},
        "y|y1|flex|a1": {"kind": "flex", "asset_id": "a1", "capacity": "0.9", "held_by": "y"},
        "x|x2|flex|a2": {"kind": "flex", "asset_id": "a2", "capacity": "0.250", "held_by": "x"},
    }
    record = {"version": 2, "outcome": "ballot", "bids": [bid], "held": held}
    text = "\n".join(render_decision(record))
    assert "already held: flex a1 1.600 MW (x; y), flex a2 0.250 MW (x)" in text


def test_a_version_3_record_shows_each_assets_holdings_summed_over_the_groups() -> None:
    bid = {"window_id": "w1", "allocation": [], "already_held": ["x|x1", "y|y1", "x|x2"]}
    held = {
        "x|x1": {"held_by": "x", "window_id": "x1", "shares": [["flex", "a1", "0.700"]]},
        "y|y1": {"held_by": "y", "window_id": "y1", "shares": [["flex", "a1", "0.9"]]},
        "x|x2": {
            "held_by": "x",
            "window_id": "x2",
            "shares": [["flex", "a2", "0.125"], ["flex", "a2", "0.125"]],
        },
    }
    record = {"version": 3, "outcome": "ballot", "bids": [bid], "held": held}
    text = "\n".join(render_decision(record))
    assert "already held: flex a1 1.600 MW (x; y), flex a2 0.250 MW (x)" in text


def test_a_decision_record_names_each_holder_window_once_however_many_assets_it_holds() -> None:
    """A group per holder and window: three assets held by one window are one id, three shares."""
    snap = snapshot(
        assets=[asset(name, "2.000") for name in ("a1", "a2", "a3")],
        commitments=[commitment(name, "0.500") for name in ("a1", "a2", "a3")],
    )
    decision = run([propose(bid("1.000"))], snap)
    assert decision.record["version"] == 3
    entry = decision.record["bids"][0]
    assert entry["already_held"] == ["other|other-w"]
    assert decision.record["held"]["other|other-w"]["shares"] == [
        ["flex", "a1", "0.500"],
        ["flex", "a2", "0.500"],
        ["flex", "a3", "0.500"],
    ]


def _dated(bid: dict[str, Any]) -> dict[str, Any]:
    window = {
        "start_date": "2027-11-01",
        "end_date": "2028-03-01",
        "start_time": "16:00:00",
        "end_time": "19:00:00",
        "days": ["mon"],
    }
    return {**bid, "window": window}
