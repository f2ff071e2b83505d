"""The portfolio strategy's contract: proposals from the cycle's plan, guide-price (logged, with
the reason) when there is no usable plan, the same plan for the same cycle, and its settings."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import highspy
import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from biddaemon.settings import StrategySettings
from biddaemon.strategy import GuidePriceStrategy, load_strategy
from biddaemon.strategy.acceptance import PRIOR, AcceptanceModel, RecordedOutcome
from biddaemon.strategy.base import CycleInputs, PlansCycle, Proposal, Skip
from biddaemon.strategy.portfolio import PortfolioStrategy
from biddaemon.strategy.snapshot import StrategyInput
from tests.bidding.support import MARGIN, D, asset, commitment, competition, snapshot, window

PORTFOLIO = StrategySettings(name="portfolio", portfolio_price_levels="0.80,0.90,0.97")


def two_competitions(settings: StrategySettings = PORTFOLIO) -> list[StrategyInput]:
    """c1 and c2 need 4 MW each at 17-19 on weekdays; the fleet is one 5 MW asset; c2's guide
    price is higher, so its MW are worth more."""
    first = competition(
        "c1", windows=[window("w1", capacity_required="4.000", start_time=time(17))],
        availability="10.00", utilisation="100.00",
    )  # fmt: skip
    second = competition(
        "c2", windows=[window("w2", capacity_required="4.000", start_time=time(17))],
        availability="20.00", utilisation="200.00",
    )  # fmt: skip
    fleet = [asset("a1", "5.000")]
    return [snapshot(first, fleet, settings=settings), snapshot(second, fleet, settings=settings)]


def plan(strategy: PortfolioStrategy, inputs: list[StrategyInput], **kwargs: object) -> None:
    acceptance = kwargs.get("acceptance", PRIOR)
    assert isinstance(acceptance, AcceptanceModel)
    strategy.plan_cycle(CycleInputs(tuple(inputs), acceptance, MARGIN))


def test_the_loader_gives_portfolio_and_it_plans_cycles() -> None:
    strategy = load_strategy(PORTFOLIO)
    assert isinstance(strategy, PortfolioStrategy)
    assert isinstance(strategy, PlansCycle)
    assert not isinstance(GuidePriceStrategy(), PlansCycle)  # guide-price keeps streaming


def test_the_fleet_goes_to_the_dearer_competition_and_the_rest_to_the_other() -> None:
    inputs = two_competitions()
    strategy = PortfolioStrategy()
    plan(strategy, inputs)
    (c1,) = strategy.propose(inputs[0])
    (c2,) = strategy.propose(inputs[1])
    assert isinstance(c2, Proposal)
    assert sum(b.capacity for b in c2.bids) == D("4.000")  # its whole need, derated 4.5 MW left
    assert isinstance(c1, Proposal)
    assert sum(b.capacity for b in c1.bids) == D("0.500")  # 5 MW x 0.90 derating - 4 MW
    bid = c2.bids[0]
    assert (
        bid.rates["availability"]
        == D("20.00") * PORTFOLIO.price_levels[bid.basis["portfolio_level"]]
    )  # type: ignore[index]
    assert bid.basis["acceptance_probability"] > 0  # type: ignore[operator]


def test_a_window_the_plan_leaves_empty_is_skipped_and_its_old_bid_withdrawn() -> None:
    inputs = two_competitions()
    held = commitment("a1", "4.500", competition_id="closed-long-ago")
    inputs = [
        StrategyInput(i.competition, i.assets, i.previous, (held,), i.settings, i.now)
        for i in inputs
    ]
    strategy = PortfolioStrategy()
    plan(strategy, inputs)
    for outcome in (*strategy.propose(inputs[0]), *strategy.propose(inputs[1])):
        assert isinstance(outcome, Skip)
        assert outcome.withdraw


def test_the_same_cycle_gives_the_same_proposals() -> None:
    first, second = PortfolioStrategy(), PortfolioStrategy()
    plan(first, two_competitions())
    plan(second, list(reversed(two_competitions())))
    for snapshot_ in two_competitions():
        assert first.propose(snapshot_) == second.propose(snapshot_)


def test_learned_acceptances_move_the_price_up() -> None:
    """With the prior alone 0.90 of the guide price is the better bet; once every bid at 0.97
    was accepted, the plan prices at 0.97."""
    settings = StrategySettings(name="portfolio", portfolio_price_levels="0.90,0.97")
    inputs = two_competitions(settings)
    strategy = PortfolioStrategy()
    plan(strategy, inputs)
    (before,) = strategy.propose(inputs[1])
    assert isinstance(before, Proposal)
    assert before.bids[0].basis["price_fraction"] == D("0.90")
    history = [RecordedOutcome(None, "availability_utilisation", D("0.97"), True)] * 200
    plan(strategy, inputs, acceptance=AcceptanceModel.learn(history))
    (after,) = strategy.propose(inputs[1])
    assert isinstance(after, Proposal)
    assert after.bids[0].basis["price_fraction"] == D("0.97")


# -- falling back to guide-price ------------------------------------------------------------


def assert_guide_price(strategy: PortfolioStrategy, inputs: list[StrategyInput], why: str) -> None:
    for snapshot_ in inputs:
        expected = GuidePriceStrategy().propose(snapshot_)
        got = strategy.propose(snapshot_)
        assert len(got) == len(expected)
        for mine, theirs in zip(got, expected, strict=True):
            assert isinstance(mine, Proposal)
            assert isinstance(theirs, Proposal)
            assert [(b.capacity, b.rates) for b in mine.bids] == [
                (b.capacity, b.rates) for b in theirs.bids
            ]
            assert all(why in str(b.basis["portfolio_fallback"]) for b in mine.bids)


def test_without_a_plan_it_bids_as_guide_price() -> None:
    inputs = two_competitions()
    assert_guide_price(PortfolioStrategy(), inputs, "no portfolio plan for this cycle")


def test_a_failing_solver_falls_back_to_guide_price_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(self: object) -> None:
        raise RuntimeError("HiGHS segfaulted, nearly")

    monkeypatch.setattr(highspy.Highs, "run", crash)
    inputs = two_competitions()
    strategy = PortfolioStrategy()
    with capture_logs() as logs:
        plan(strategy, inputs)
    (failure,) = [e for e in logs if e["event"].startswith("portfolio solve failed")]
    assert failure["status"] == "error"
    assert failure["reason"] == "RuntimeError: HiGHS segfaulted, nearly"
    assert failure["log_level"] == "warning"
    assert_guide_price(strategy, inputs, "HiGHS segfaulted, nearly")


def test_a_solve_over_the_time_limit_falls_back_to_guide_price() -> None:
    settings = PORTFOLIO.model_copy(update={"portfolio_time_limit_seconds": 0.001})
    fleet = [asset(f"a{n}", "2.000") for n in range(30)]
    inputs = [
        snapshot(
            competition(
                f"c{c}",
                windows=[
                    window(f"c{c}-w{w}", start_time=time(w % 20), end_time=time(w % 20 + 3))
                    for w in range(24)
                ],
            ),
            fleet[c % 3 :: 3] if c % 2 else fleet[: 10 + c % 20],
            settings=settings,
        )
        for c in range(60)
    ]
    strategy = PortfolioStrategy()
    with capture_logs() as logs:
        plan(strategy, inputs)
    (failure,) = [e for e in logs if e["event"].startswith("portfolio solve failed")]
    assert failure["status"] == "time_limit"
    assert_guide_price(strategy, inputs[:3], "time_limit")


def test_a_competition_closing_inside_the_margin_is_left_to_guide_price() -> None:
    inputs = two_competitions()
    soon = competition("c3", close=inputs[0].now + MARGIN / 2)
    closing = snapshot(soon, [asset("a1", "5.000")], settings=PORTFOLIO)
    strategy = PortfolioStrategy()
    plan(strategy, [*inputs, closing])
    assert_guide_price(strategy, [closing], "not planned")


# -- settings --------------------------------------------------------------------------------


def test_price_levels_are_read_sorted_and_checked() -> None:
    settings = StrategySettings(portfolio_price_levels=" 0.97, 0.8 ,0.9")
    assert settings.price_levels == (D("0.8"), D("0.9"), D("0.97"))
    for bad in ("", "0.9,abc", "0,0.9", "0.9,0.9", "3"):
        with pytest.raises(ValidationError, match="portfolio_price_levels"):
            StrategySettings(portfolio_price_levels=bad)
    with pytest.raises(ValidationError):
        StrategySettings(portfolio_time_limit_seconds=0)
    assert timedelta(seconds=StrategySettings().portfolio_time_limit_seconds) > timedelta(0)
    assert isinstance(StrategySettings().price_levels[0], Decimal)


def test_loading_the_strategies_does_not_load_numpy_or_highs() -> None:
    """Guide-price users never pay for the solver: it is imported by the first plan."""
    from tests.test_startup_imports import loaded_after

    statement = "from biddaemon.strategy import load_strategy"
    assert loaded_after(statement, ("numpy", "highspy")) == []
