"""The engine through `decide`: what reaches the market, what is refused, and why."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from biddaemon.bidding import decide
from biddaemon.jobs.ballot_body import request_body
from biddaemon.strategy.snapshot import StrategyInput
from tests.bidding.support import (
    MARGIN,
    NOW,
    D,
    Scripted,
    asset,
    bid,
    competition,
    previous_ballot,
    previous_bid,
    propose,
    run,
    skip,
    snapshot,
    window,
)


def _bodies(decision: Any) -> list[dict[str, Any]]:
    assert decision.plan is not None, decision.reasons
    bids: list[dict[str, Any]] = request_body(decision.plan)["bids"]
    return bids


def _rejections(decision: Any) -> list[str]:
    return [reason for r in decision.record["rejected"] for reason in r["reasons"]]


# --------------------------------------------------------------------------------------------
# The body sent to the market


def test_a_valid_proposal_becomes_the_exact_post_body() -> None:
    decision = run([propose(bid("1.5", availability="14.25", utilisation="285"))])
    assert decision.should_submit
    assert decision.plan is not None
    assert request_body(decision.plan) == {
        "competition_id": "c1",
        "assets": {"flex": ["a1"], "planned": []},
        "bids": [
            {
                "service_window_id": "w1",
                "capacity": "1.500",
                "max_runtime": "02:00:00",
                "rates": [
                    {"type": "availability", "value": "14.25"},
                    {"type": "utilisation", "value": "285.00"},
                ],
            }
        ],
    }


def test_the_asset_set_is_always_explicit_and_sorted_by_kind() -> None:
    assets = [asset("z9"), asset("b2"), asset("p1", kind="planned")]
    decision = run([propose(bid("1"))], snapshot(assets=assets))
    assert decision.plan is not None
    assert request_body(decision.plan)["assets"] == {"flex": ["b2", "z9"], "planned": ["p1"]}


def test_a_bid_without_max_runtime_sends_none() -> None:
    decision = run([propose(bid("1", max_runtime=None))])
    assert "max_runtime" not in _bodies(decision)[0]


def test_split_bids_are_sent_as_several_bids_for_one_window() -> None:
    decision = run([propose(bid("1.000", availability="10"), bid("0.500", availability="12"))])
    bodies = _bodies(decision)
    assert [(b["service_window_id"], b["capacity"]) for b in bodies] == [
        ("w1", "1.000"),
        ("w1", "0.500"),
    ]


# --------------------------------------------------------------------------------------------
# Per-bid rules: just inside and just outside each limit


@pytest.mark.parametrize(
    ("bids", "sent"),
    [
        (["2.000"], ["2.000"]),
        (["2.0009"], ["2.000"]),  # rounds DOWN to the limit: inside
        (["1.000", "1.000"], ["1.000", "1.000"]),  # split bids summed, exactly at the limit
        (["1.0005", "1.0005"], ["1.000", "1.000"]),  # each rounded down first
    ],
)
def test_bids_within_capacity_required_are_sent(bids: list[str], sent: list[str]) -> None:
    decision = run([propose(*(bid(c) for c in bids))])
    assert [b["capacity"] for b in _bodies(decision)] == sent


@pytest.mark.parametrize("bids", [["2.001"], ["1.000", "1.001"], ["0.700", "0.700", "0.601"]])
def test_bids_summing_over_capacity_required_are_refused(bids: list[str]) -> None:
    decision = run([propose(*(bid(c) for c in bids))])
    assert decision.refused
    assert any("exceeds its capacity_required 2.000" in r for r in _rejections(decision))


def test_split_bids_summing_over_capacity_required_are_refused_as_a_whole() -> None:
    decision = run(
        [
            propose(bid("1.500"), bid("0.501")),
            propose(bid("0.500"), window_id="w2"),
        ],
        snapshot(competition(windows=[window("w1"), window("w2")])),
    )
    assert [(b["service_window_id"], b["capacity"]) for b in _bodies(decision)] == [("w2", "0.500")]
    assert decision.record["rejected"][0]["window_id"] == "w1"
    assert decision.record["rejected"][0]["then"] == "window skipped"


@pytest.mark.parametrize(("capacity", "ok"), [("1.500", True), ("1.5009", True), ("1.501", False)])
def test_bids_may_not_exceed_the_included_assets_capacity(capacity: str, ok: bool) -> None:
    assets = [asset("a1", "1.000"), asset("a2", "0.500")]
    decision = run(
        [propose(bid(capacity))],
        snapshot(competition(windows=[window(capacity_required="5")]), assets),
    )
    assert decision.refused is not ok
    if not ok:
        assert any("the ballot's assets have" in r for r in _rejections(decision))


@pytest.mark.parametrize(("capacity", "ok"), [("0.001", True), ("0.0009", False), ("0", False)])
def test_capacity_must_be_positive_after_rounding_down(capacity: str, ok: bool) -> None:
    decision = run([propose(bid(capacity))])
    assert decision.refused is not ok


@pytest.mark.parametrize(
    ("price", "sent"), [("0.005", "0.01"), ("0.0049", None), ("14.255", "14.26"), ("-1", None)]
)
def test_prices_are_rounded_and_must_stay_positive(price: str, sent: str | None) -> None:
    decision = run([propose(bid("1", availability=price))])
    if sent is None:
        assert decision.refused
        assert any("availability rate" in r for r in _rejections(decision))
    else:
        assert _bodies(decision)[0]["rates"][0] == {"type": "availability", "value": sent}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"capacity": 1.5}, "capacity must be a finite Decimal, got float"),
        ({"availability": 10.0}, "availability rate must be a finite Decimal, got float"),
        ({"utilisation": Decimal("NaN")}, "utilisation rate must be a finite Decimal"),
    ],
)
def test_floats_and_non_finite_numbers_are_refused_not_converted(
    kwargs: dict[str, Any], problem: str
) -> None:
    decision = run([propose(bid(**kwargs))])
    assert decision.refused
    assert any(problem in r for r in _rejections(decision))


@pytest.mark.parametrize(
    ("competition_type", "rates", "ok"),
    [
        ("availability_utilisation", {"availability": "1", "utilisation": "1"}, True),
        ("availability_utilisation", {"availability": "1"}, False),
        (
            "availability_utilisation",
            {"availability": "1", "utilisation": "1", "service_fee": "1"},
            False,
        ),
        ("utilisation", {"utilisation": "1"}, True),
        ("utilisation", {"utilisation": "1", "availability": "1"}, False),
        ("availability", {"availability": "1"}, True),
        ("availability", {"service_fee": "1"}, False),
        ("service_fee", {"service_fee": "1"}, True),
        ("service_fee", {"service_fee": "1", "utilisation": "1"}, False),
    ],
)
def test_bids_carry_exactly_the_rates_of_the_competition_type(
    competition_type: str, rates: dict[str, str], ok: bool
) -> None:
    proposal = propose(
        bid(
            "1",
            availability=rates.get("availability"),
            utilisation=rates.get("utilisation"),
            service_fee=rates.get("service_fee"),
        )
    )
    decision = run([proposal], snapshot(competition(type=competition_type)))
    assert decision.refused is not ok
    if ok:
        sent = {r["type"] for r in _bodies(decision)[0]["rates"]}
        assert sent == set(rates)


def test_an_unknown_competition_type_is_not_bid_and_says_why() -> None:
    strategy = Scripted([propose(bid("1"))])
    decision = decide(
        strategy,
        snapshot(competition(type="capacity_market")),
        safety_margin=MARGIN,
        allow_overbooking=False,
    )
    assert decision.refused
    assert decision.reasons == (
        "competition type 'capacity_market' is not known, so its rates are not known",
    )
    assert strategy.seen == []  # nothing to ask the strategy


@pytest.mark.parametrize(
    ("runtime", "sent"),
    [
        (timedelta(seconds=1), "00:00:01"),
        (timedelta(hours=25), "1T01:00:00"),
        (timedelta(seconds=90, microseconds=500), "00:01:30"),  # truncated to whole seconds
        (timedelta(microseconds=999_999), None),
        (timedelta(0), None),
        (timedelta(hours=-1), None),
        ("02:00:00", None),
    ],
)
def test_max_runtime_is_well_formed_or_refused(runtime: Any, sent: str | None) -> None:
    decision = run([propose(bid("1", max_runtime=runtime))])
    if sent is None:
        assert decision.refused
        assert any("max_runtime" in r for r in _rejections(decision))
    else:
        assert _bodies(decision)[0]["max_runtime"] == sent


def test_a_proposal_for_a_window_of_another_competition_is_ignored_with_the_reason() -> None:
    decision = run([propose(bid("1")), propose(bid("1"), window_id="elsewhere")])
    assert [b["service_window_id"] for b in _bodies(decision)] == ["w1"]
    assert decision.record["rejected"] == [
        {
            "window_id": "elsewhere",
            "reasons": ["service window 'elsewhere' is not a window of competition c1"],
            "then": "ignored",
        }
    ]


def test_a_proposal_with_no_bids_is_rejected() -> None:
    decision = run([propose()])
    assert decision.refused
    assert _rejections(decision) == ["a proposal needs at least one bid"]


def test_two_answers_for_one_window_refuse_the_competition() -> None:
    decision = run([propose(bid("1")), skip("w1")])
    assert decision.refused
    assert "more than one answer for window w1" in decision.reasons[0]


def test_an_answer_that_is_not_a_proposal_or_skip_refuses_the_competition() -> None:
    decision = run([{"window_id": "w1"}])
    assert decision.refused
    assert "returned a dict, not a Proposal or a Skip" in decision.reasons[0]


# --------------------------------------------------------------------------------------------
# Competition-level rules


@pytest.mark.parametrize(
    ("close_after_now", "ok"),
    [
        (MARGIN + timedelta(microseconds=1), True),
        (MARGIN, False),  # closing exactly at now + margin: refused
        (MARGIN - timedelta(seconds=1), False),
    ],
)
def test_a_competition_closing_within_the_safety_margin_is_not_bid(
    close_after_now: timedelta, ok: bool
) -> None:
    decision = run([propose(bid("1"))], snapshot(competition(close=NOW + close_after_now)))
    assert decision.refused is not ok
    if not ok:
        assert "safety margin" in decision.reasons[0]


@pytest.mark.parametrize("status", ["closed", "cancelled", "results_published"])
def test_a_competition_that_is_not_open_is_not_bid(status: str) -> None:
    decision = run([propose(bid("1"))], snapshot(competition(status=status)))
    assert decision.reasons == (f"competition c1 is {status}, not open",)


def test_a_competition_not_yet_open_is_not_bid() -> None:
    comp = competition(open=NOW + timedelta(seconds=1))
    assert run([propose(bid("1"))], snapshot(comp)).refused
    assert not run([propose(bid("1"))], snapshot(comp, now=NOW + timedelta(seconds=1))).refused


def test_no_asset_with_capacity_means_no_ballot() -> None:
    decision = run([propose(bid("1"))], snapshot(assets=[asset("a1", "0")]))
    assert decision.reasons == (
        "no qualifying asset has capacity in the competition's need direction",
    )
    assert decision.record["assets"]["excluded"] == [
        {"kind": "flex", "id": "a1", "reason": "no capacity in the need direction"}
    ]


def test_assets_without_capacity_in_the_need_direction_are_left_out() -> None:
    decision = run([propose(bid("1"))], snapshot(assets=[asset("a1", "2"), asset("a2", "0")]))
    assert decision.plan is not None
    assert decision.plan.flex_asset_ids == ("a1",)


def test_every_window_skipped_means_no_ballot_with_each_reason() -> None:
    comp = competition(windows=[window("w1"), window("w2")])
    decision = run([skip("w1", "too cheap")], snapshot(comp))
    assert decision.refused
    assert decision.record["skipped"] == [
        {"window_id": "w1", "reason": "too cheap"},
        {"window_id": "w2", "reason": "the strategy made no proposal"},
    ]


# --------------------------------------------------------------------------------------------
# Strategy errors


class _Exploding:
    name = "exploding"

    def propose(self, snapshot: StrategyInput) -> list[Any]:
        raise ZeroDivisionError("division by zero in my pricing")


def test_a_strategy_raising_refuses_only_its_competition_with_the_error_recorded() -> None:
    decision = decide(_Exploding(), snapshot(), safety_margin=MARGIN, allow_overbooking=False)
    assert decision.refused
    assert decision.reasons == (
        "strategy exploding raised ZeroDivisionError: division by zero in my pricing",
    )
    assert decision.record["error"]["type"] == "ZeroDivisionError"
    assert "test_engine.py" in decision.record["error"]["where"]
    json.dumps(decision.record)


# --------------------------------------------------------------------------------------------
# Resubmissions


def _resubmission(*bids: Any, flex: tuple[str, ...] = ("a1",)) -> StrategyInput:
    comp = competition(windows=[window("w1"), window("w2")])
    previous = previous_ballot(flex=flex, bids=list(bids))
    return snapshot(comp, [asset("a1", "5")], previous=previous)


def test_a_resubmission_carries_the_bids_of_windows_it_does_not_change() -> None:
    snap = _resubmission(previous_bid("w1", "1.000"), previous_bid("w2", "0.750"))
    decision = run([propose(bid("1.200"), window_id="w1")], snap)
    bodies = _bodies(decision)
    assert [(b["service_window_id"], b["capacity"]) for b in bodies] == [
        ("w1", "1.200"),
        ("w2", "0.750"),
    ]
    assert bodies[1]["rates"] == [
        {"type": "availability", "value": "14.00"},
        {"type": "utilisation", "value": "280.00"},
    ]
    assert [b["source"] for b in decision.record["bids"]] == ["proposed", "carried"]


def test_a_skip_still_carries_the_previous_bid_and_says_so() -> None:
    snap = _resubmission(previous_bid("w1", "1.000"))
    decision = run([skip("w1", "price fell")], snap)
    assert [b["capacity"] for b in _bodies(decision)] == ["1.000"]
    assert any("price fell" in note and "carried" in note for note in decision.record["notes"])


def test_only_a_deliberate_withdrawal_drops_a_previous_bid() -> None:
    snap = _resubmission(previous_bid("w1", "1.000"), previous_bid("w2", "1.000"))
    decision = run([skip("w1", "not worth it", withdraw=True)], snap)
    assert [b["service_window_id"] for b in _bodies(decision)] == ["w2"]
    assert decision.record["skipped"] == [
        {"window_id": "w1", "reason": "not worth it (the active ballot's bid is withdrawn)"}
    ]


def test_an_invalid_change_keeps_the_previous_bid() -> None:
    snap = _resubmission(previous_bid("w1", "1.000"))
    decision = run([propose(bid("9.000"))], snap)
    assert [b["capacity"] for b in _bodies(decision)] == ["1.000"]
    assert decision.record["rejected"][0]["then"] == "the active ballot's bid is carried"


def test_a_previous_bid_that_breaks_a_rule_now_refuses_the_ballot() -> None:
    comp = competition(windows=[window("w1", capacity_required="0.500"), window("w2")])
    previous = previous_ballot(bids=[previous_bid("w1", "1.000")])
    decision = run([propose(bid("1"), window_id="w2")], snapshot(comp, previous=previous))
    assert decision.refused
    assert "can no longer be carried" in decision.reasons[0]


def test_a_resubmission_keeps_the_same_asset_set() -> None:
    previous = previous_ballot(flex=("a1",), bids=[previous_bid("w1", "1")])
    snap = snapshot(assets=[asset("a1", "5"), asset("a2", "5")], previous=previous)
    decision = run([propose(bid("1.500"))], snap)
    assert decision.plan is not None
    assert decision.plan.flex_asset_ids == ("a1",)
    assert decision.plan.supersedes == "b-prev"
    assert decision.record["assets"]["excluded"][0]["id"] == "a2"


def test_a_resubmission_whose_previous_asset_no_longer_qualifies_is_refused() -> None:
    previous = previous_ballot(flex=("a1", "gone"), bids=[previous_bid("w1", "1")])
    decision = run([propose(bid("1"))], snapshot(assets=[asset("a1")], previous=previous))
    assert decision.refused
    assert "flex gone no longer qualify" in decision.reasons[0]


def test_a_resubmission_may_not_exceed_the_previous_sets_capacity() -> None:
    previous = previous_ballot(flex=("a1",), bids=[previous_bid("w1", "1")])
    snap = snapshot(
        competition(windows=[window(capacity_required="9")]),
        [asset("a1", "1"), asset("a2", "5")],
        previous=previous,
    )
    assert run([propose(bid("1.000"))], snap).plan is not None
    assert run([propose(bid("1.001"))], snap).record["rejected"]


def test_an_unchanged_ballot_is_not_resubmitted() -> None:
    previous = previous_ballot(
        bids=[previous_bid("w1", "1.000", availability="10.00", utilisation="200.00")]
    )
    decision = run([propose(bid("1.0004"))], snapshot(previous=previous))
    assert decision.unchanged
    assert not decision.should_submit
    assert decision.record["outcome"] == "unchanged"


def test_a_changed_price_is_resubmitted() -> None:
    previous = previous_ballot(bids=[previous_bid("w1", "1.000", availability="10.00")])
    decision = run([propose(bid("1.000", availability="10.01"))], snapshot(previous=previous))
    assert decision.should_submit


# --------------------------------------------------------------------------------------------
# Record


def test_the_record_is_json_with_decimals_as_strings() -> None:
    decision = run([propose(bid(D("1.23456")))])
    text = json.dumps(decision.record)
    entry = decision.record["bids"][0]
    assert entry["capacity"] == "1.234"
    assert entry["proposed_capacity"] == "1.23456"
    assert entry["reductions"] == ["capacity rounded down from 1.23456 to 1.234 MW"]
    assert "1.23456" in text


def test_a_proposal_made_of_something_other_than_proposed_bids_is_rejected() -> None:
    decision = run([propose(previous_bid("w1", "1"))])  # type: ignore[arg-type]
    assert decision.refused
    assert _rejections(decision) == ["bid: a PreviousBid is not a ProposedBid"]


def test_a_skip_reason_that_is_not_text_is_recorded_as_text() -> None:
    decision = run([skip("w1", ValueError("too cheap"))])  # type: ignore[arg-type]
    assert decision.record["skipped"] == [{"window_id": "w1", "reason": "too cheap"}]
    json.dumps(decision.record)


def test_a_strategy_returning_nothing_iterable_refuses_its_competition() -> None:
    class ReturnsNone:
        name = "returns-none"

        def propose(self, snapshot: StrategyInput) -> Any:
            return None

    decision = decide(ReturnsNone(), snapshot(), safety_margin=MARGIN, allow_overbooking=False)
    assert decision.reasons[0].startswith("strategy returns-none raised TypeError")
