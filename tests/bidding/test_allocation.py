"""No double commitment: an asset's megawatt goes to one of any set of overlapping windows."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from biddaemon.bidding import Holdings, commitments_from_record, decide
from biddaemon.bidding.explain import already_held
from biddaemon.jobs.ballot_body import request_body
from biddaemon.strategy import GuidePriceStrategy
from biddaemon.strategy.snapshot import Schedule
from tests.bidding.support import (
    MARGIN,
    D,
    asset,
    bid,
    commitment,
    competition,
    previous_ballot,
    previous_bid,
    propose,
    run,
    snapshot,
    window,
)

WEEKDAY_EVENINGS = window().schedule  # Nov-Feb, mon-fri 16:00-19:00


def _allocation(decision: Any, index: int = 0) -> list[tuple[str, str]]:
    return [(s["asset_id"], s["capacity"]) for s in decision.record["bids"][index]["allocation"]]


def test_capacity_goes_to_the_largest_available_asset_first() -> None:
    assets = [asset("small", "0.400"), asset("big", "1.000"), asset("mid", "0.600")]
    decision = run([propose(bid("1.500"))], snapshot(assets=assets))
    assert _allocation(decision) == [("big", "1.000"), ("mid", "0.500")]


def test_equal_assets_are_taken_in_id_order() -> None:
    assets = [asset("b", "1"), asset("a", "1"), asset("p", "1", kind="planned")]
    decision = run(
        [propose(bid("2.500"))],
        snapshot(competition(windows=[window(capacity_required="3")]), assets),
    )
    assert _allocation(decision) == [("a", "1.000"), ("b", "1.000"), ("p", "0.500")]


def test_split_bids_of_one_window_share_the_assets() -> None:
    decision = run(
        [propose(bid("0.800"), bid("0.700"))], snapshot(assets=[asset("a", "1"), asset("b", "1")])
    )
    assert _allocation(decision, 0) == [("a", "0.800")]
    assert _allocation(decision, 1) == [("b", "0.700")]


@pytest.mark.parametrize(
    ("committed", "sent", "reduced"),
    [
        ("0.500", "1.500", False),  # 2.000 - 0.500 leaves exactly enough
        ("0.501", "1.499", True),  # one kW short: reduced, and the reduction recorded
        ("2.000", None, True),  # nothing left: no bid
    ],
)
def test_capacity_committed_to_an_overlapping_window_elsewhere_is_not_promised_again(
    committed: str, sent: str | None, reduced: bool
) -> None:
    snap = snapshot(assets=[asset("a1", "2.000")], commitments=[commitment("a1", committed)])
    decision = run([propose(bid("1.500"))], snap)
    if sent is None:
        assert decision.refused
        assert "already held" in decision.record["skipped"][0]["reason"]
        return
    assert decision.plan is not None
    assert request_body(decision.plan)["bids"][0]["capacity"] == sent
    entry = decision.record["bids"][0]
    assert [decision.record["held"][i] for i in entry["already_held"]] == [
        {"held_by": "other", "window_id": "other-w", "shares": [["flex", "a1", committed]]}
    ]
    assert already_held(entry, decision.record["held"]) == [
        {"kind": "flex", "asset_id": "a1", "capacity": committed, "held_by": ["other"]}
    ]
    assert bool(entry["reductions"]) is reduced


def test_commitments_in_windows_that_do_not_overlap_leave_capacity_free() -> None:
    weekend = Schedule(date(2027, 11, 1), date(2028, 3, 1), time(16), time(19), frozenset({"sat"}))
    morning = Schedule(date(2027, 11, 1), date(2028, 3, 1), time(7), time(16), frozenset({"mon"}))
    later = Schedule(date(2028, 3, 1), date(2028, 6, 1), time(16), time(19), frozenset({"mon"}))
    snap = snapshot(
        assets=[asset("a1", "2")],
        commitments=[
            commitment("a1", "2", schedule=weekend),
            commitment("a1", "2", schedule=morning),  # ends exactly when ours starts
            commitment("a1", "2", schedule=later),  # starts on our exclusive end date
        ],
    )
    decision = run([propose(bid("1.500"))], snap)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("1.500")


def test_commitments_of_the_same_competition_are_being_replaced_and_do_not_count() -> None:
    snap = snapshot(
        assets=[asset("a1", "2")],
        commitments=[commitment("a1", "2", competition_id="c1")],
    )
    assert run([propose(bid("1.500"))], snap).plan is not None


def test_commitments_of_another_asset_or_kind_do_not_count() -> None:
    snap = snapshot(
        assets=[asset("a1", "2")],
        commitments=[commitment("a2", "2"), commitment("a1", "2", kind="planned")],
    )
    decision = run([propose(bid("1.500"))], snap)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("1.500")


def test_several_overlapping_commitments_add_up() -> None:
    snap = snapshot(
        assets=[asset("a1", "2")],
        commitments=[
            commitment("a1", "0.7", competition_id="x"),
            commitment("a1", "0.8", competition_id="y"),
        ],
    )
    decision = run([propose(bid("1.500"))], snap)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("0.500")
    record = decision.record
    assert already_held(record["bids"][0], record["held"])[0]["held_by"] == ["x", "y"]


def test_overbooking_when_allowed_ignores_commitments() -> None:
    snap = snapshot(assets=[asset("a1", "2")], commitments=[commitment("a1", "2")])
    decision = run([propose(bid("1.500"))], snap, allow_overbooking=True)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("1.500")
    assert decision.record["allow_overbooking"] is True


def test_a_carried_bid_is_reduced_when_its_capacity_was_committed_since() -> None:
    previous = previous_ballot(bids=[previous_bid("w1", "1.500")])
    snap = snapshot(
        assets=[asset("a1", "2")], previous=previous, commitments=[commitment("a1", "1.000")]
    )
    decision = run([], snap)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("1.000")
    assert decision.plan.bids[0].source == "carried"


def test_decisions_in_sequence_never_promise_an_asset_twice() -> None:
    """Two competitions wanting the same evenings: the second gets what the first left."""
    strategy = GuidePriceStrategy()
    assets = [asset("a1", "1.000"), asset("a2", "0.500")]
    first = decide(
        strategy,
        snapshot(competition("c1", windows=[window("x1", capacity_required="1.2")]), assets),
        safety_margin=MARGIN,
        allow_overbooking=False,
    )
    promised = commitments_from_record(first.record)
    assert sum(c.capacity for c in promised) == D("1.200")
    second = decide(
        strategy,
        snapshot(
            competition("c2", windows=[window("y1", capacity_required="5")]),
            assets,
            commitments=promised,
        ),
        safety_margin=MARGIN,
        allow_overbooking=False,
    )
    assert second.plan is not None
    assert second.plan.bids[0].capacity == D("0.300")
    per_asset: dict[str, Any] = {}
    for c in (*promised, *commitments_from_record(second.record)):
        per_asset[c.asset_id] = per_asset.get(c.asset_id, D("0")) + c.capacity
    assert per_asset == {"a1": D("1.000"), "a2": D("0.500")}


def test_overlapping_windows_of_one_ballot_share_an_assets_capacity() -> None:
    evenings = window("w1", capacity_required="2")
    five_pm = window("w2", capacity_required="2", start_time=time(17), end_time=time(18))
    decision = run(
        [propose(bid("1.500"), window_id="w1"), propose(bid("1.500"), window_id="w2")],
        snapshot(competition(windows=[evenings, five_pm]), [asset("a1", "2")]),
    )
    assert decision.plan is not None
    assert [b.capacity for b in decision.plan.bids] == [D("1.500"), D("0.500")]
    record = decision.record
    assert already_held(record["bids"][1], record["held"])[0]["held_by"] == [
        "this ballot, window w1"
    ]


def test_windows_of_one_ballot_that_do_not_overlap_each_get_the_full_capacity() -> None:
    evenings = window("w1", capacity_required="2")
    mornings = window("w2", capacity_required="2", start_time=time(7), end_time=time(16))
    decision = run(
        [propose(bid("1.500"), window_id="w1"), propose(bid("1.500"), window_id="w2")],
        snapshot(competition(windows=[evenings, mornings]), [asset("a1", "2")]),
    )
    assert decision.plan is not None
    assert [b.capacity for b in decision.plan.bids] == [D("1.500"), D("1.500")]


def test_overbooking_also_lets_overlapping_windows_of_one_ballot_share() -> None:
    evenings = window("w1", capacity_required="2")
    same = window("w2", capacity_required="2")
    decision = run(
        [propose(bid("1.500"), window_id="w1"), propose(bid("1.500"), window_id="w2")],
        snapshot(competition(windows=[evenings, same]), [asset("a1", "2")]),
        allow_overbooking=True,
    )
    assert decision.plan is not None
    assert [b.capacity for b in decision.plan.bids] == [D("1.500"), D("1.500")]


def test_a_holding_of_a_fraction_of_a_kw_still_takes_that_whole_kw() -> None:
    """Free capacity is rounded down to whole kW, so 0.0005 MW held leaves 1.999 of 2 MW."""
    snap = snapshot(assets=[asset("a1", "2.000")], commitments=[commitment("a1", "0.0005")])
    decision = run([propose(bid("2.000"))], snap)
    assert decision.plan is not None
    assert decision.plan.bids[0].capacity == D("1.999")
    record = decision.record
    assert already_held(record["bids"][0], record["held"])[0]["capacity"] == "0.0005"


def test_an_index_kept_across_decisions_gives_the_same_decision_as_the_snapshot() -> None:
    """The cycle's index of holdings (built once, holding this competition's own previous
    ballot too) decides exactly as the engine's own index of the snapshot's commitments."""
    commitments = [
        commitment("a1", "0.700", competition_id="x"),
        commitment("a1", "0.300", competition_id="c1"),  # being replaced: does not count
        commitment("a2", "0.250", competition_id="y"),
    ]
    snap = snapshot(assets=[asset("a1", "1"), asset("a2", "1")], commitments=commitments)
    index = Holdings(commitments)
    alone = decide(GuidePriceStrategy(), snap, safety_margin=MARGIN, allow_overbooking=False)
    shared = decide(
        GuidePriceStrategy(), snap, safety_margin=MARGIN, allow_overbooking=False, holdings=index
    )
    assert shared.record == alone.record
    assert len(index) == 3  # only read, never changed


def test_holders_the_cycle_ignores_do_not_count_in_a_shared_index() -> None:
    """First come, first served: the cycle's one index holds every promise, and a decision
    ignores the holders it need not respect; it decides as if only the others were held."""
    later = commitment("a1", "0.900", competition_id="later")
    earlier = commitment("a1", "0.400", competition_id="earlier")
    assets = [asset("a1", "2")]
    index = Holdings([later, earlier])
    respected = decide(
        GuidePriceStrategy(),
        snapshot(assets=assets, commitments=[earlier]),
        safety_margin=MARGIN,
        allow_overbooking=False,
    )
    shared = decide(
        GuidePriceStrategy(),
        snapshot(assets=assets, commitments=[earlier]),
        safety_margin=MARGIN,
        allow_overbooking=False,
        holdings=index,
        ignored_holders={"later"},
    )
    assert shared.record == respected.record
    assert shared.plan is not None
    assert shared.plan.bids[0].allocations[0].capacity == D("1.600")


def test_a_released_holder_no_longer_counts() -> None:
    index = Holdings([commitment("a1", "2", competition_id="x"), commitment("a1", "1")])
    index.release("x")
    held = index.held(WEEKDAY_EVENINGS, [("flex", "a1")])
    assert held[("flex", "a1")].capacity == D("1.000")
    assert held[("flex", "a1")].held_by == ("other",)
