"""BIDDAEMON_STRATEGY__NAME becomes a strategy at start-up, or one clear configuration error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biddaemon.errors import ConfigurationError
from biddaemon.settings import StrategySettings
from biddaemon.strategy import FixedPriceStrategy, GuidePriceStrategy, load_strategy
from tests.strategy.user_strategies import HalfCapacity

VARIABLE = "BIDDAEMON_STRATEGY__NAME"


def test_the_default_is_guide_price() -> None:
    assert isinstance(load_strategy(StrategySettings()), GuidePriceStrategy)


def test_fixed_price_loads_with_at_least_one_price() -> None:
    settings = StrategySettings(name="fixed-price", service_fee_price=Decimal("12.00"))
    assert isinstance(load_strategy(settings), FixedPriceStrategy)


def test_fixed_price_without_any_price_names_the_price_variables() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_strategy(StrategySettings(name="fixed-price"))
    assert set(raised.value.problems) == {
        "BIDDAEMON_STRATEGY__AVAILABILITY_PRICE",
        "BIDDAEMON_STRATEGY__UTILISATION_PRICE",
        "BIDDAEMON_STRATEGY__SERVICE_FEE_PRICE",
    }


def test_a_user_strategy_loads_from_its_import_path() -> None:
    strategy = load_strategy(StrategySettings(name="tests.strategy.user_strategies:HalfCapacity"))
    assert isinstance(strategy, HalfCapacity)
    assert strategy.name == "half-capacity"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (
            "tests.strategy.nowhere:Clever",
            "cannot import tests.strategy.nowhere: ModuleNotFoundError",
        ),
        (
            "tests.strategy.broken_import:Clever",
            "cannot import tests.strategy.broken_import: ImportError",
        ),
        ("tests.strategy.user_strategies:Missing", "has no attribute Missing"),
        (
            "tests.strategy.user_strategies:not_a_class",
            "not_a_class in tests.strategy.user_strategies is not a class",
        ),
        (
            "tests.strategy.user_strategies:NoPropose",
            "needs a `name` and a `propose(snapshot)` method",
        ),
        ("tests.strategy.user_strategies:NeedsArguments", "could not be created without arguments"),
        ("tests.strategy.user_strategies:Nameless", "name must be a non-empty string"),
    ],
)
def test_a_bad_import_path_is_a_configuration_error_naming_the_variable(
    path: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_strategy(StrategySettings(name=path))
    assert list(raised.value.problems) == [VARIABLE]
    assert problem in raised.value.problems[VARIABLE]
    assert path in raised.value.problems[VARIABLE]
