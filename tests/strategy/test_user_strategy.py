"""A user strategy's exception costs only its own competition, and the reason is kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from biddaemon.bidding import decide, render_decision
from biddaemon.jobs.ballot_body import request_body
from biddaemon.settings import StrategySettings
from biddaemon.strategy import load_strategy
from biddaemon.strategy.base import Proposal
from tests.bidding.support import NOW, asset, competition, snapshot, window

SETTINGS = StrategySettings(
    name="tests.strategy.user_strategies:HalfCapacity",
    options={"price": "12.50", "fail_on": "c2"},
)


def test_a_user_strategy_raising_skips_only_its_competition_with_the_reason_recorded() -> None:
    strategy = load_strategy(SETTINGS)
    decisions = {}
    for competition_id in ("c1", "c2", "c3"):
        snap = snapshot(
            competition(competition_id, windows=[window(f"{competition_id}-w")]),
            [asset("a1", "5")],
            settings=SETTINGS,
        )
        decisions[competition_id] = decide(
            strategy, snap, safety_margin=timedelta(minutes=15), allow_overbooking=False
        )

    assert decisions["c1"].should_submit
    assert decisions["c3"].should_submit
    assert decisions["c1"].plan is not None
    assert request_body(decisions["c1"].plan)["bids"][0]["capacity"] == "1.000"
    assert decisions["c1"].plan.strategy == "half-capacity"

    failed = decisions["c2"]
    assert failed.refused
    assert failed.reasons == ("strategy half-capacity raised RuntimeError: cannot price c2",)
    assert failed.record["outcome"] == "refused"
    assert failed.record["error"]["type"] == "RuntimeError"
    assert failed.record["error"]["message"] == "cannot price c2"
    assert "user_strategies.py" in failed.record["error"]["where"]
    assert "refused: strategy half-capacity raised RuntimeError: cannot price c2" in (
        render_decision(failed.record)
    )


def test_a_user_strategy_reads_its_options_from_the_snapshot() -> None:
    strategy = load_strategy(SETTINGS)
    snap = snapshot(settings=SETTINGS, now=NOW)
    (outcome,) = strategy.propose(snap)
    assert isinstance(outcome, Proposal)
    assert outcome.bids[0].rates == {
        "availability": Decimal("12.50"),
        "utilisation": Decimal("12.50"),
    }
