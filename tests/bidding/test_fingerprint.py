"""The fingerprint: same ballot, same 64 hex characters; any difference, a new one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from biddaemon.bidding.fingerprint import content_fingerprint, fingerprint
from biddaemon.bidding.plan import BallotPlan, Decision
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

TWO_WINDOWS = competition(windows=[window("w1"), window("w2")])
ASSETS = [asset("a1", "3"), asset("a2", "3")]


def _decide(*outcomes: Any, **snapshot_args: Any) -> Decision:
    args: dict[str, Any] = {"assets": ASSETS, **snapshot_args}
    return run(list(outcomes), snapshot(TWO_WINDOWS, **args))


def _plan(*outcomes: Any, **snapshot_args: Any) -> BallotPlan:
    decision = _decide(*outcomes, **snapshot_args)
    assert decision.plan is not None, decision.reasons
    return decision.plan


BASE = (propose(bid("1.000"), window_id="w1"), propose(bid("0.500"), window_id="w2"))


def test_a_fingerprint_is_64_hex_characters_and_repeatable() -> None:
    first, second = _plan(*BASE), _plan(*BASE)
    assert re.fullmatch(r"[0-9a-f]{64}", first.fingerprint)
    assert first.fingerprint == second.fingerprint


def test_the_order_of_proposals_does_not_change_the_fingerprint() -> None:
    forward, backward = _plan(*BASE), _plan(*reversed(BASE))
    assert forward.fingerprint == backward.fingerprint


def test_values_that_round_to_the_same_wire_text_have_the_same_fingerprint() -> None:
    exact = _plan(propose(bid("1.000"), window_id="w1"))
    rounded = _plan(propose(bid("1.0009"), window_id="w1"))
    assert exact.fingerprint == rounded.fingerprint


@pytest.mark.parametrize(
    "changed",
    [
        (propose(bid("1.001"), window_id="w1"), BASE[1]),  # capacity
        (propose(bid("1.000", availability="10.01"), window_id="w1"), BASE[1]),  # rate
        (propose(bid("1.000", max_runtime=timedelta(hours=3)), window_id="w1"), BASE[1]),
        (propose(bid("1.000", max_runtime=None), window_id="w1"), BASE[1]),
        (propose(bid("1.000"), window_id="w2"), propose(bid("0.500"), window_id="w1")),  # windows
        (BASE[0],),  # one bid fewer
        (propose(bid("0.500"), bid("0.500"), window_id="w1"), BASE[1]),  # split differently
    ],
)
def test_any_change_of_content_changes_the_fingerprint(changed: tuple[Any, ...]) -> None:
    base, other = _plan(*BASE), _plan(*changed)
    assert base.fingerprint != other.fingerprint


def test_the_asset_set_and_competition_are_part_of_the_fingerprint() -> None:
    base = _plan(*BASE)
    fewer_assets = _plan(*BASE, assets=[asset("a1", "6")])
    other = run(list(BASE), snapshot(competition("c2", windows=TWO_WINDOWS.windows), ASSETS)).plan
    assert other is not None
    assert len({base.fingerprint, fewer_assets.fingerprint, other.fingerprint}) == 3


def test_a_then_b_then_a_again_is_a_new_submission_with_the_same_content() -> None:
    a_bids = [previous_bid("w1", "1.000", availability="10.00", utilisation="200.00")]
    first_a = _plan(propose(bid("1.000"), window_id="w1"))
    b = _plan(
        propose(bid("2.000"), window_id="w1"),
        previous=previous_ballot("m-a", flex=("a1", "a2"), bids=a_bids),
    )
    b_bids = [previous_bid("w1", "2.000", availability="10.00", utilisation="200.00")]
    second_decision = _decide(
        propose(bid("1.000"), window_id="w1"),
        previous=previous_ballot("m-b", flex=("a1", "a2"), bids=b_bids),
    )
    second_a = second_decision.plan
    assert second_a is not None
    assert len({first_a.fingerprint, b.fingerprint, second_a.fingerprint}) == 3
    assert first_a.content_fingerprint == second_a.content_fingerprint
    assert not second_decision.unchanged  # the market holds B now: A must be sent again


def test_a_plan_carries_the_same_fingerprints_as_the_ones_computed_alone() -> None:
    """The engine renders the bids once for both hashes; each must equal its own function's."""
    previous = previous_ballot(bids=[previous_bid("w1", "1.000")])
    plan = _plan(*BASE, previous=previous)
    args = (plan.competition_id, plan.flex_asset_ids, plan.planned_asset_ids, plan.bids)
    assert plan.fingerprint == fingerprint(*args, supersedes=plan.supersedes)
    assert plan.content_fingerprint == content_fingerprint(*args)
