"""The referee as a plain function: another test (or engineer) can ask it whether a ballot would
be accepted, without a server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from biddaemon.sandbox import judge_ballot, review_ballot
from biddaemon.sandbox.model import AssetSet, Competition, Fleet
from biddaemon.sandbox.scenario import load_scenario

from .conftest import FIXTURE_MARKET

SCENARIO = load_scenario(FIXTURE_MARKET)
assert SCENARIO.start is not None
NOW = SCENARIO.start
COMPETITIONS = {c.id: c for c in SCENARIO.market_competitions()}
FLEET = SCENARIO.fleet("sandbox-provider", NOW)
AU = [{"type": "availability", "value": "14.25"}, {"type": "utilisation", "value": "285.00"}]


def ballot(*bids: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"bids": list(bids), **extra}


def au_bid(capacity: str = "1.000", window: str = "sW34kLm") -> dict[str, Any]:
    return {"service_window_id": window, "capacity": capacity, "rates": AU}


def test_a_valid_ballot_has_no_violations() -> None:
    assert judge_ballot(COMPETITIONS["q3RtY7u"], FLEET, ballot(au_bid()), NOW) == []


def test_the_documented_fixture_ballot_is_judged_like_over_http() -> None:
    fixture = {
        "competition_id": "z8mpC6x",
        "bids": [
            {
                "service_window_id": "sW12gWx",
                "capacity": "9.32",
                "max_runtime": "1T01:30:00",
                "rates": [{"type": "availability", "value": "123.45"}],
            }
        ],
    }
    assert judge_ballot(COMPETITIONS["z8mpC6x"], FLEET, fixture, NOW) == []


def test_review_says_what_would_be_stored() -> None:
    verdict = review_ballot(
        COMPETITIONS["z8mpC6x"],
        FLEET,
        ballot(
            {
                "service_window_id": "sW12gWx",
                "capacity": "1.5",
                "rates": [{"type": "availability", "value": "10"}],
            }
        ),
        NOW,
    )
    assert verdict.accepted
    assert verdict.assets == AssetSet(frozenset({"aB12cD3", "eF45gH6"}), frozenset({"pL78mN9"}))
    (stored,) = verdict.bids
    assert stored.capacity == Decimal("1.5")
    assert stored.max_runtime is None


@pytest.mark.parametrize(
    ("kind", "rates", "accepted"),
    [
        ("availability_utilisation", ["availability", "utilisation"], True),
        ("availability_utilisation", ["availability"], False),
        ("availability_utilisation", ["availability", "utilisation", "service_fee"], False),
        ("utilisation", ["utilisation"], True),
        ("utilisation", ["availability", "utilisation"], False),
        ("availability", ["availability"], True),
        ("availability", ["service_fee"], False),
        ("service_fee", ["service_fee"], True),
        ("service_fee", ["availability", "utilisation"], False),
        ("service_fee", [], False),
    ],
)
def test_exactly_the_rate_types_of_the_competition_type(
    kind: Any, rates: list[str], accepted: bool
) -> None:
    competition = replace(COMPETITIONS["q3RtY7u"], type=kind)
    bid = {
        "service_window_id": "sW34kLm",
        "capacity": "1.000",
        "rates": [{"type": t, "value": "10.00"} for t in rates],
    }
    verdict = review_ballot(competition, FLEET, ballot(bid), NOW)
    assert verdict.accepted is accepted
    assert accepted or [v.rule for v in verdict.violations] == ["rate_types"]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda b: b | {"competition_id": "other"}, "competition_id"),
        (lambda b: {"bids": [au_bid("2.001")]}, "capacity_required"),
        (lambda b: {"bids": [au_bid("1.0001")]}, "capacity_format"),
        (lambda b: {"bids": [au_bid("0")]}, "capacity_positive"),
        (lambda b: {"bids": [au_bid(window="zzzzzzz")]}, "window"),
        (lambda b: {"bids": [au_bid() | {"max_runtime": "25:00:00"}]}, "max_runtime"),
        (
            lambda b: {"bids": [au_bid() | {"rates": [AU[0], AU[1] | {"value": "1.001"}]}]},
            "price_format",
        ),
        (
            lambda b: {"bids": [au_bid() | {"rates": [AU[0], AU[1] | {"value": "0.00"}]}]},
            "price_positive",
        ),
        (lambda b: b | {"assets": {"flex": ["eV77hUb"]}}, "assets"),
        (lambda b: b | {"assets": "all"}, "assets"),
        (lambda b: {"bids": "everything"}, "shape"),
    ],
)
def test_each_rule_has_a_stable_code(change: Any, rule: str) -> None:
    verdict = review_ballot(COMPETITIONS["q3RtY7u"], FLEET, change(ballot(au_bid())), NOW)
    assert [v.rule for v in verdict.violations] == [rule]


def test_closed_and_cancelled_competitions_refuse_ballots() -> None:
    competition = COMPETITIONS["q3RtY7u"]
    at_close = competition.competition_close
    assert judge_ballot(competition, FLEET, ballot(au_bid()), at_close - timedelta(seconds=1)) == []
    assert [
        v.rule for v in review_ballot(competition, FLEET, ballot(au_bid()), at_close).violations
    ] == ["open"]
    cancelled = replace(competition, cancelled=True)
    assert judge_ballot(cancelled, FLEET, ballot(au_bid()), NOW) == [
        "Competition q3RtY7u was cancelled"
    ]


def test_the_active_ballots_asset_set_binds_a_resubmission() -> None:
    competition = COMPETITIONS["z8mpC6x"]
    active = AssetSet(frozenset({"aB12cD3"}))
    bid = {
        "service_window_id": "sW12gWx",
        "capacity": "1.000",
        "rates": [{"type": "availability", "value": "10.00"}],
    }
    assert (
        judge_ballot(
            competition, FLEET, ballot(bid, assets={"flex": ["aB12cD3"]}), NOW, active_assets=active
        )
        == []
    )
    refused = review_ballot(competition, FLEET, ballot(bid), NOW, active_assets=active)
    assert [v.rule for v in refused.violations] == ["asset_set"]


def test_an_empty_fleet_is_not_qualified() -> None:
    refused = review_ballot(COMPETITIONS["q3RtY7u"], Fleet(), ballot(au_bid()), NOW)
    assert [v.rule for v in refused.violations] == ["not_qualified"]


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@given(
    st.lists(
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("3"), places=4),
        min_size=1,
        max_size=4,
    )
)
def test_split_bids_are_accepted_exactly_when_within_every_limit(
    capacities: list[Decimal],
) -> None:
    """q3RtY7u's window sW34kLm needs 2.000 MW and only aB12cD3 (5.200 MW) qualifies."""
    competition: Competition = COMPETITIONS["q3RtY7u"]
    texts = [str(c.normalize()) if _places(c.normalize()) else f"{c:.1f}" for c in capacities]
    body = ballot(*(au_bid(text) for text in texts))
    within = all(_places(Decimal(t)) <= 3 for t in texts) and sum(capacities) <= Decimal("2.000")
    assert (judge_ballot(competition, FLEET, body, NOW) == []) is within
