"""Every strategy setting is validated, and a bad value names its BIDDAEMON_STRATEGY__ variable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biddaemon.errors import ConfigurationError
from biddaemon.settings import load_settings

BAD = [
    ("NAME", "my strategy", "import path such as package.module:ClassName"),
    ("NAME", "package.module", "import path"),
    ("NAME", "package.module:", "import path"),
    ("PRICE_FRACTION", "0", "greater than 0"),
    ("PRICE_FRACTION", "1.0001", "less than or equal to 1"),
    ("PRICE_FRACTION", "cheap", "valid decimal"),
    ("AVAILABILITY_FLOOR", "0.00", "greater than or equal to 0.01"),
    ("AVAILABILITY_FLOOR", "1.005", "no more than 2 decimal places"),
    ("UTILISATION_FLOOR", "0.00", "greater than or equal to 0.01"),
    ("UTILISATION_FLOOR", "0.009", "no more than 2 decimal places"),
    ("SERVICE_FEE_FLOOR", "-1", "greater than or equal to 0.01"),
    ("DERATING_FACTOR", "0", "greater than 0"),
    ("DERATING_FACTOR", "1.01", "less than or equal to 1"),
    ("AVAILABILITY_PRICE", "0", "greater than 0"),
    ("UTILISATION_PRICE", "280.001", "no more than 2 decimal places"),
    ("SERVICE_FEE_PRICE", "free", "valid decimal"),
    ("ALLOW_OVERBOOKING", "perhaps", "valid boolean"),
    ("OPTIONS", "[1, 2]", "valid dictionary"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD)
def test_a_bad_strategy_setting_is_named_with_its_problem(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    variable = f"BIDDAEMON_STRATEGY__{name}"
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert list(raised.value.problems) == [variable]
    assert expected in raised.value.problems[variable]


GOOD = [
    ("NAME", "fixed-price", "name", "fixed-price"),
    ("NAME", " mypkg.pricing:Clever ", "name", "mypkg.pricing:Clever"),
    ("PRICE_FRACTION", "1", "price_fraction", Decimal("1")),
    ("PRICE_FRACTION", "0.0001", "price_fraction", Decimal("0.0001")),
    ("AVAILABILITY_FLOOR", "0.01", "availability_floor", Decimal("0.01")),
    ("UTILISATION_FLOOR", "250.50", "utilisation_floor", Decimal("250.50")),
    ("SERVICE_FEE_FLOOR", "5", "service_fee_floor", Decimal("5")),
    ("DERATING_FACTOR", "1", "derating_factor", Decimal("1")),
    ("AVAILABILITY_PRICE", "0.01", "availability_price", Decimal("0.01")),
    ("UTILISATION_PRICE", "300.00", "utilisation_price", Decimal("300.00")),
    ("SERVICE_FEE_PRICE", "12.5", "service_fee_price", Decimal("12.5")),
    ("ALLOW_OVERBOOKING", "true", "allow_overbooking", True),
    ("OPTIONS", '{"risk": "low"}', "options", {"risk": "low"}),
]


@pytest.mark.parametrize(("name", "value", "field", "parsed"), GOOD)
def test_a_good_strategy_setting_is_read_exactly(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str, parsed: object
) -> None:
    monkeypatch.setenv(f"BIDDAEMON_STRATEGY__{name}", value)
    assert getattr(load_settings().strategy, field) == parsed


def test_options_can_be_given_one_variable_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDDAEMON_STRATEGY__OPTIONS__RISK", "low")
    monkeypatch.setenv("BIDDAEMON_STRATEGY__OPTIONS__MARKUP", "1.1")
    assert load_settings().strategy.options == {"risk": "low", "markup": "1.1"}


def test_the_defaults_are_guide_price_at_95_percent_derated_to_90_percent() -> None:
    strategy = load_settings().strategy
    assert strategy.name == "guide-price"
    assert strategy.price_fraction == Decimal("0.95")
    assert strategy.derating_factor == Decimal("0.90")
    assert strategy.availability_floor == Decimal("0.01")
    assert strategy.availability_price is None
    assert strategy.allow_overbooking is False
    assert strategy.options == {}


def test_strategy_settings_cannot_be_changed_by_a_strategy() -> None:
    strategy = load_settings().strategy
    with pytest.raises(ValueError, match="frozen"):
        strategy.price_fraction = Decimal("2")  # type: ignore[misc]
