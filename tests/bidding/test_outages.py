"""The inventory informs bidding: planned outages shrink only the windows they overlap, and an
asset in maintenance offers nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from biddaemon.bidding.explain import render_decision
from biddaemon.bidding.outages import outage_overlaps
from biddaemon.strategy.snapshot import AssetSpec, OutageSpec
from tests.bidding.support import (
    asset,
    bid,
    competition,
    previous_ballot,
    previous_bid,
    propose,
    run,
    snapshot,
    window,
)

# The week of Tuesday 12 January 2027 (GMT): mornings 08:00-12:00, evenings 16:00-19:00.
JANUARY: dict[str, Any] = {
    "start_date": date(2027, 1, 11),
    "end_date": date(2027, 1, 16),
    "capacity_required": "5",
}


def _with_outages(spec: AssetSpec, *outages: OutageSpec, status: str | None = None) -> AssetSpec:
    return AssetSpec(
        id=spec.id,
        kind=spec.kind,
        ref=spec.ref,
        capacity=spec.capacity,
        status=status,
        outages=outages,
    )


def _outage(start: str, end: str, mw: str, reason: str | None = "maintenance") -> OutageSpec:
    return OutageSpec(
        datetime.fromisoformat(start), datetime.fromisoformat(end), Decimal(mw), reason
    )


def _capacities(decision: object) -> dict[str, str]:
    record = decision.record  # type: ignore[attr-defined]
    return {entry["window_id"]: entry["capacity"] for entry in record["bids"]}


def _two_windows(*assets: AssetSpec, previous: object = None) -> object:
    morning = window("morning", start_time=time(8, 0), end_time=time(12, 0), **JANUARY)
    evening = window("evening", start_time=time(16, 0), end_time=time(19, 0), **JANUARY)
    return snapshot(
        competition(windows=[morning, evening], close=datetime(2027, 1, 11, tzinfo=UTC)),
        list(assets),
        previous=previous,  # type: ignore[arg-type]
    )


def test_an_outage_overlapping_only_the_morning_window_reduces_only_that_window() -> None:
    a1 = _with_outages(
        asset("a1", "3.000"), _outage("2027-01-12T08:00:00+00:00", "2027-01-12T12:00:00+00:00", "2")
    )
    decision = run(
        [propose(bid("3"), window_id="morning"), propose(bid("3"), window_id="evening")],
        _two_windows(a1),  # type: ignore[arg-type]
    )
    assert _capacities(decision) == {"morning": "1.000", "evening": "3.000"}
    morning, evening = decision.record["bids"]
    assert (
        "asset flex a1 (ref-a1): 2 MW out for maintenance 2027-01-12 08:00\u201312:00 GB time "
        "overlaps this window" in morning["reductions"]
    )
    assert morning["outages"][0]["mw"] == "2"
    assert morning["available_capacity"] == "1.000"
    assert "outages" not in evening
    assert evening["reductions"] == []


def test_an_outage_ending_as_a_window_starts_does_not_reduce_it() -> None:
    a1 = _with_outages(
        asset("a1", "3.000"), _outage("2027-01-12T12:00:00+00:00", "2027-01-12T16:00:00+00:00", "3")
    )
    decision = run(
        [propose(bid("3"), window_id="morning"), propose(bid("3"), window_id="evening")],
        _two_windows(a1),  # type: ignore[arg-type]
    )
    assert _capacities(decision) == {"morning": "3.000", "evening": "3.000"}


def test_outages_take_only_the_asset_that_is_out() -> None:
    a1 = _with_outages(
        asset("a1", "2.000"), _outage("2027-01-13T17:00:00+00:00", "2027-01-13T18:00:00+00:00", "2")
    )
    decision = run(
        [propose(bid("3"), window_id="evening")],
        _two_windows(a1, asset("a2", "1.500")),  # type: ignore[arg-type]
    )
    entry = decision.record["bids"][0]
    assert entry["capacity"] == "1.500"
    assert entry["allocation"] == [{"kind": "flex", "asset_id": "a2", "capacity": "1.500"}]
    assert any("net of the inventory's planned outages" in r for r in entry["reductions"])
    assert "out (inventory): flex a1 2 MW" in "\n".join(render_decision(decision.record))


def test_an_asset_in_maintenance_is_left_out_of_a_new_ballot() -> None:
    decision = run(
        [propose(bid("2"), window_id="morning")],
        _two_windows(  # type: ignore[arg-type]
            _with_outages(asset("a1", "3.000"), status="mothballed"), asset("a2", "2.000")
        ),
    )
    assets = decision.record["assets"]
    assert assets["flex"] == ["a2"]
    assert assets["excluded"] == [
        {"kind": "flex", "id": "a1", "reason": "mothballed in the inventory: offers nothing"}
    ]
    assert decision.plan is not None
    assert decision.plan.flex_asset_ids == ("a2",)


def test_an_asset_in_maintenance_offers_nothing_on_a_resubmission_either() -> None:
    previous = previous_ballot(
        flex=("a1", "a2"), bids=[previous_bid("morning", "1"), previous_bid("evening", "1")]
    )
    decision = run(
        [propose(bid("3"), window_id="morning"), propose(bid("3"), window_id="evening")],
        _two_windows(  # type: ignore[arg-type]
            _with_outages(asset("a1", "3.000"), status="mothballed"),
            asset("a2", "1.000"),
            previous=previous,
        ),
    )
    assert _capacities(decision) == {"morning": "1.000", "evening": "1.000"}
    for entry in decision.record["bids"]:
        assert entry["allocation"] == [{"kind": "flex", "asset_id": "a2", "capacity": "1.000"}]
        assert entry["outages"] == [
            {"kind": "flex", "asset_id": "a1", "ref": "ref-a1", "status": "mothballed"}
        ]


def test_a_window_whose_only_asset_is_in_maintenance_is_skipped_with_the_reason() -> None:
    previous = previous_ballot(flex=("a1",), bids=[previous_bid("morning", "1")])
    decision = run(
        [propose(bid("1"), window_id="morning")],
        _two_windows(  # type: ignore[arg-type]
            _with_outages(asset("a1", "3.000"), status="mothballed"), previous=previous
        ),
    )
    assert decision.plan is None
    reasons = [s["reason"] for s in decision.record["skipped"]]
    assert any("mothballed in the inventory, offers nothing" in r for r in reasons)


def test_an_outage_is_compared_on_the_gb_clock_in_summer() -> None:
    # 07:00-11:00 UTC on a July Tuesday is 08:00-12:00 BST: the morning window, not before it.
    july = window("m", start_time=time(8, 0), end_time=time(12, 0))
    summer = july.schedule.__class__(
        date(2027, 7, 1), date(2027, 8, 1), time(8, 0), time(12, 0), frozenset({"tue"})
    )
    assert outage_overlaps(summer, _outage("2027-07-13T07:00:00Z", "2027-07-13T07:30:00Z", "1"))
    assert not outage_overlaps(summer, _outage("2027-07-13T06:00:00Z", "2027-07-13T07:00:00Z", "1"))
    assert not outage_overlaps(
        summer, _outage("2027-07-14T07:00:00Z", "2027-07-14T09:00:00Z", "1")
    )  # a Wednesday


def test_an_outage_across_the_autumn_clock_change_errs_on_the_safe_side() -> None:
    # 31 October 2027, 01:00 BST -> 01:00 GMT. 00:30-01:30 UTC is 01:30 BST to 01:30 GMT.
    night = window("n", start_time=time(1, 0), end_time=time(2, 0)).schedule.__class__(
        date(2027, 10, 25), date(2027, 11, 2), time(1, 0), time(2, 0), frozenset({"sun"})
    )
    assert outage_overlaps(night, _outage("2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z", "1"))


def test_an_outage_reaches_a_window_that_crosses_midnight() -> None:
    late = window("late").schedule.__class__(
        date(2027, 1, 11), date(2027, 1, 16), time(22, 0), time(2, 0), frozenset({"mon"})
    )
    assert outage_overlaps(late, _outage("2027-01-12T01:00:00Z", "2027-01-12T03:00:00Z", "1"))
    assert not outage_overlaps(late, _outage("2027-01-12T02:00:00Z", "2027-01-12T03:00:00Z", "1"))
