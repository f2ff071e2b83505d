"""Turn `BIDDAEMON_STRATEGY__NAME` into a strategy object, once, at start-up.

A built-in name gives the built-in; `package.module:ClassName` imports the module and
instantiates the class with no arguments (its settings reach it through each snapshot:
`snapshot.settings` and `snapshot.options`). Anything that cannot be loaded is a
`ConfigurationError` naming the variable, so the daemon stops before it bids rather than
discovering a typo at the first competition.
"""

from __future__ import annotations

import importlib

from biddaemon.errors import ConfigurationError
from biddaemon.settings import BUILTIN_STRATEGIES, ENV_PREFIX, StrategySettings
from biddaemon.strategy.base import Strategy
from biddaemon.strategy.fixed_price import FixedPriceStrategy, price_variable
from biddaemon.strategy.guide_price import GuidePriceStrategy
from biddaemon.strategy.portfolio import PortfolioStrategy

NAME_VARIABLE = f"{ENV_PREFIX}STRATEGY__NAME"


def load_strategy(settings: StrategySettings) -> Strategy:
    """The strategy `settings.name` names, checked to have a `name` and a callable `propose`."""
    if settings.name == "guide-price":
        return GuidePriceStrategy()
    if settings.name == "fixed-price":
        _require_a_fixed_price(settings)
        return FixedPriceStrategy()
    if settings.name == "portfolio":
        return PortfolioStrategy()
    return _import_strategy(settings.name)


def _require_a_fixed_price(settings: StrategySettings) -> None:
    prices = (settings.availability_price, settings.utilisation_price, settings.service_fee_price)
    if all(price is None for price in prices):
        message = "fixed-price needs at least one of the fixed prices to be set"
        raise ConfigurationError(
            {
                price_variable("availability"): message,
                price_variable("utilisation"): message,
                price_variable("service_fee"): message,
            }
        )


def _import_strategy(path: str) -> Strategy:
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name:
        raise _bad_name(
            path,
            f"expected {' or '.join(BUILTIN_STRATEGIES)}, or an import path "
            "package.module:ClassName",
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an ImportError, or anything the module raised while importing
        raise _bad_name(path, f"cannot import {module_name}: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise _bad_name(path, f"module {module_name} has no attribute {class_name}")
    if not isinstance(cls, type):
        raise _bad_name(path, f"{class_name} in {module_name} is not a class")
    try:
        strategy = cls()
    except Exception as exc:
        raise _bad_name(
            path, f"{class_name}() could not be created without arguments: {exc}"
        ) from exc
    if not isinstance(strategy, Strategy) or not callable(getattr(strategy, "propose", None)):
        raise _bad_name(path, f"{class_name} needs a `name` and a `propose(snapshot)` method")
    name = getattr(strategy, "name", None)
    if not isinstance(name, str) or not name:
        raise _bad_name(path, f"{class_name}.name must be a non-empty string")
    return strategy


def _bad_name(path: str, problem: str) -> ConfigurationError:
    return ConfigurationError({NAME_VARIABLE: f"{path!r}: {problem}"})
