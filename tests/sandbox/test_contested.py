"""The contested market: the default world's competitions, with budgets by operator, rivals
spread around the guide price and border batteries that two operators' competitions share."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from statistics import mean

from biddaemon.sandbox import SandboxClock, SandboxConfig
from biddaemon.sandbox.builder import build_market
from biddaemon.sandbox.contested import OPERATOR_BUDGETS, operator_budget_factor
from biddaemon.sandbox.generator import competition_for
from biddaemon.sandbox.geography import DSOS
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.model import Competition, Provider
from biddaemon.sandbox.qualification import qualifying
from biddaemon.sandbox.runtime import Sandbox

from .conftest import SEED, START

PROVIDER = Provider("sandbox-provider", "Sandbox Flex Ltd")


def contested_market(seed: int = SEED) -> Market:
    market = build_market(SandboxClock(START, speed=0), PROVIDER, seed, None, contested=True)
    market.clock.advance(30 * 24 * 3600)
    return market


def opened(seed: int, *, contested: bool) -> list[Competition]:
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(90)]
    found = (competition_for(seed, d, dso, contested=contested) for d in days for dso in DSOS)
    return [c for c in found if c is not None]


def test_the_same_seed_gives_the_same_contested_market() -> None:
    first, again = contested_market(), contested_market()
    assert first.competitions() == again.competitions()
    assert first.fleet() == again.fleet()
    assert [c.rival_offers for c in contested_market(SEED + 1).competitions()] != [
        c.rival_offers for c in first.competitions()
    ]


def test_contested_competitions_are_the_default_ones_with_other_budgets_and_rivals() -> None:
    calm, contested = opened(SEED, contested=False), opened(SEED, contested=True)
    assert [(c.id, c.service_periods, c.competition_close) for c in calm] == [
        (c.id, c.service_periods, c.competition_close) for c in contested
    ]
    assert [c.rival_offers for c in calm] != [c.rival_offers for c in contested]


def test_budgets_vary_by_operator_within_five_points_of_its_factor() -> None:
    by_operator: dict[str, set[Decimal]] = defaultdict(set)
    for competition in opened(SEED, contested=True):
        by_operator[competition.operator_name].add(competition.budget_factor)
    factors = {dso.name: operator_budget_factor(SEED, dso) for dso in DSOS}
    assert len(set(factors.values())) > 2  # operators differ
    assert set(factors.values()) <= {Decimal(p) / 100 for p in OPERATOR_BUDGETS}
    for operator, seen in by_operator.items():
        assert all(abs(b - factors[operator]) <= Decimal("0.05") for b in seen), operator
    over_seeds = {operator_budget_factor(SEED + n, dso) for n in range(5) for dso in DSOS}
    assert min(over_seeds) < 1 < max(over_seeds)  # some pay under the guide price, some over


def test_rivals_price_around_the_guide_price_with_a_spread_per_competition() -> None:
    ratios: list[float] = []
    for competition in opened(SEED, contested=True):
        windows = list(competition.windows())
        counts = [
            sum(1 for o in competition.rival_offers if o.service_window_id == w.id) for w in windows
        ]
        assert all(1 <= n <= 4 for n in counts)
        for offer in competition.rival_offers:
            window = competition.window(offer.service_window_id)
            assert window is not None
            assert offer.capacity <= window.capacity_required
            for rate in offer.rates:
                guide = competition.guide_price(rate.type)
                assert guide is not None
                ratio = float(rate.value / guide)
                assert 0.59 <= ratio <= 1.51
                ratios.append(ratio)
    assert 0.95 < mean(ratios) < 1.05
    assert min(ratios) < 0.85 < 1.15 < max(ratios)


def test_border_batteries_qualify_for_two_operators_with_overlapping_windows() -> None:
    market = contested_market()
    borders = [a for a in market.fleet().flex if a.ref.startswith("BRD-")]
    assert len(borders) == 4
    operators: dict[str, set[str]] = defaultdict(set)
    for competition in market.competitions():
        for asset in qualifying(market.fleet(), competition).flex:
            if asset in borders:
                operators[asset.ref].add(competition.operator_name)
    assert all(len(names) >= 2 for names in operators.values()), operators
    assert len(operators) == 4


def test_the_default_market_has_no_border_batteries() -> None:
    market = build_market(SandboxClock(START, speed=0), PROVIDER, SEED, None)
    assert not [a for a in market.fleet().flex if a.ref.startswith("BRD-")]


def test_a_sandbox_configured_contested_stays_contested_after_a_reset() -> None:
    sandbox = Sandbox(SandboxConfig(seed=SEED, start=START, speed=0, contested=True))
    assert sandbox.market.contested
    assert any(a.ref == "BRD-001" for a in sandbox.market.fleet().flex)
    assert sandbox.reset().contested
    assert not Sandbox(SandboxConfig(seed=SEED, start=START, speed=0)).market.contested
