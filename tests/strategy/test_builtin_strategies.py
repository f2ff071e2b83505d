"""guide-price and fixed-price: what they propose, and the numbers they say it came from."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from biddaemon.settings import StrategySettings
from biddaemon.strategy import FixedPriceStrategy, GuidePriceStrategy
from biddaemon.strategy.base import Proposal, ProposedBid, Skip
from tests.bidding.support import (
    D,
    asset,
    competition,
    previous_ballot,
    previous_bid,
    snapshot,
    window,
)


def _only_bid(outcomes: Any) -> ProposedBid:
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Proposal), outcomes[0]
    (bid,) = outcomes[0].bids
    return bid


def _guide(**settings: Any) -> StrategySettings:
    return StrategySettings(**settings)


# --------------------------------------------------------------------------------------------
# guide-price: rates


@pytest.mark.parametrize(
    ("fraction", "floor", "guide", "rate"),
    [
        ("0.95", "0.01", "15.00", "14.2500"),
        ("0.95", "14.25", "15.00", "14.2500"),  # floor exactly at the fraction's price
        ("0.95", "14.26", "15.00", "14.26"),  # floor just above it wins
        ("1", "0.01", "15.00", "15.00"),
        ("0.5", "10.00", "15.00", "10.00"),
    ],
)
def test_guide_price_bids_a_fraction_of_the_guide_never_below_the_floor(
    fraction: str, floor: str, guide: str, rate: str
) -> None:
    settings = _guide(price_fraction=D(fraction), availability_floor=D(floor))
    snap = snapshot(competition(type="availability", availability=guide), settings=settings)
    bid = _only_bid(GuidePriceStrategy().propose(snap))
    assert bid.rates == {"availability": D(rate)}
    assert bid.basis["availability_guide_price"] == D(guide)
    assert bid.basis["availability_floor"] == D(floor)
    assert bid.basis["price_fraction"] == D(fraction)


def test_guide_price_prices_every_rate_of_the_type_with_its_own_floor() -> None:
    settings = _guide(price_fraction=D("0.9"), utilisation_floor=D("280"))
    bid = _only_bid(GuidePriceStrategy().propose(snapshot(settings=settings)))
    assert bid.rates == {"availability": D("13.500"), "utilisation": D("280")}
    assert bid.basis["utilisation_floor_applied"] is True
    assert bid.basis["availability_floor_applied"] is False


def test_guide_price_skips_when_a_needed_guide_price_is_missing() -> None:
    comp = competition(windows=[window("w1"), window("w2")], utilisation=None)
    outcomes = GuidePriceStrategy().propose(snapshot(comp))
    assert outcomes == [
        Skip("w1", "the competition gives no utilisation guide price"),
        Skip("w2", "the competition gives no utilisation guide price"),
    ]


def test_a_guide_price_the_type_does_not_need_is_ignored() -> None:
    comp = competition(type="service_fee", service_fee="40.00", availability=None, utilisation=None)
    bid = _only_bid(GuidePriceStrategy().propose(snapshot(comp)))
    assert bid.rates == {"service_fee": D("38.0000")}


@pytest.mark.parametrize("strategy", [GuidePriceStrategy(), FixedPriceStrategy()])
def test_builtins_skip_an_unknown_competition_type(strategy: Any) -> None:
    outcomes = strategy.propose(snapshot(competition(type="mystery")))
    assert outcomes == [Skip("w1", "competition type 'mystery' is not known")]


# --------------------------------------------------------------------------------------------
# Sizing, shared by both


@pytest.mark.parametrize(
    ("required", "assets", "derating", "capacity"),
    [
        ("2.000", ["3.000"], "0.90", "2.000"),  # the window's need is the lesser
        ("2.000", ["2.000"], "0.90", "1.800"),  # the derated fleet is the lesser
        ("2.000", ["1.000", "1.000"], "1", "2.000"),
        ("2.000", ["1.000", "1.500"], "0.80", "2.000"),  # 2.5 x 0.8 = exactly 2
        ("2.000", ["1.000", "1.499"], "0.80", "1.9992"),  # just under: the engine rounds down
    ],
)
def test_capacity_is_the_lesser_of_the_need_and_the_derated_fleet(
    required: str, assets: list[str], derating: str, capacity: str
) -> None:
    snap = snapshot(
        competition(windows=[window(capacity_required=required)]),
        [asset(f"a{i}", c) for i, c in enumerate(assets)],
        settings=_guide(derating_factor=D(derating)),
    )
    bid = _only_bid(GuidePriceStrategy().propose(snap))
    assert bid.capacity == D(capacity)
    assert bid.basis["derating_factor"] == D(derating)
    assert bid.basis["capacity_required"] == D(required)


def test_a_resubmission_sizes_on_the_previous_asset_set_only() -> None:
    previous = previous_ballot(flex=("a1",), bids=[previous_bid()])
    snap = snapshot(
        competition(windows=[window(capacity_required="9")]),
        [asset("a1", "1.000"), asset("a2", "5.000")],
        previous=previous,
        settings=_guide(derating_factor=D("1")),
    )
    assert _only_bid(GuidePriceStrategy().propose(snap)).capacity == D("1.000")


@pytest.mark.parametrize(
    ("assets", "runtime"),
    [
        ([asset("a", "2", energy_mwh="4")], timedelta(hours=2)),
        ([asset("a", "2", energy_mwh="4", max_runtime=timedelta(hours=1))], timedelta(hours=1)),
        ([asset("a", "3", energy_mwh="1")], timedelta(minutes=20)),
        ([asset("a", "3", energy_mwh="0.001")], timedelta(seconds=1)),  # 1.2 s, rounded down
        (
            [asset("a", "2", energy_mwh="4"), asset("b", "1", max_runtime=timedelta(minutes=90))],
            timedelta(minutes=90),  # the shortest asset limits the whole bid
        ),
        ([asset("a", "2"), asset("b", "2")], None),  # nothing states a limit: not sent
        ([asset("a", "2", energy_mwh="40"), asset("z", "0", energy_mwh="0")], timedelta(hours=20)),
    ],
)
def test_max_runtime_is_energy_over_power_capped_by_each_assets_limit(
    assets: list[Any], runtime: timedelta | None
) -> None:
    snap = snapshot(competition(windows=[window(capacity_required="9")]), assets)
    assert _only_bid(GuidePriceStrategy().propose(snap)).max_runtime == runtime


def test_an_asset_that_cannot_run_at_all_skips_the_window() -> None:
    snap = snapshot(assets=[asset("a", "2", energy_mwh="0")])
    (outcome,) = GuidePriceStrategy().propose(snap)
    assert isinstance(outcome, Skip)
    assert "cannot sustain any runtime" in outcome.reason


@pytest.mark.parametrize(
    ("required", "assets", "reason"),
    [
        ("0", ["1"], "window w1 requires no capacity"),
        ("1", ["0"], "no qualifying asset has capacity in the need direction"),
    ],
)
def test_nothing_to_offer_is_a_skip_with_the_reason(
    required: str, assets: list[str], reason: str
) -> None:
    snap = snapshot(
        competition(windows=[window(capacity_required=required)]),
        [asset(f"a{i}", c) for i, c in enumerate(assets)],
    )
    assert GuidePriceStrategy().propose(snap) == [Skip("w1", reason)]


# --------------------------------------------------------------------------------------------
# fixed-price


def test_fixed_price_bids_the_configured_price_of_each_rate() -> None:
    settings = _guide(availability_price=D("9.99"), utilisation_price=D("150"))
    bid = _only_bid(FixedPriceStrategy().propose(snapshot(settings=settings)))
    assert bid.rates == {"availability": D("9.99"), "utilisation": D("150")}
    assert bid.basis["availability_fixed_price"] == D("9.99")


def test_fixed_price_ignores_the_guide_prices() -> None:
    settings = _guide(availability_price=D("99.00"))
    comp = competition(type="availability", availability="1.00")
    assert _only_bid(FixedPriceStrategy().propose(snapshot(comp, settings=settings))).rates == {
        "availability": Decimal("99.00")
    }


def test_fixed_price_skips_a_competition_needing_an_unconfigured_rate_naming_the_variable() -> None:
    settings = _guide(availability_price=D("9.99"))
    (outcome,) = FixedPriceStrategy().propose(snapshot(settings=settings))
    assert outcome == Skip(
        "w1",
        "this availability_utilisation competition needs a utilisation rate and "
        "BIDDAEMON_STRATEGY__UTILISATION_PRICE is not set",
    )
