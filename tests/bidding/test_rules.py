"""Each rule on its own, with a case just inside and just outside its limit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from biddaemon.bidding import rules
from tests.bidding.support import MARGIN, NOW, D, competition, window


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("1.2349", "1.234"),  # rounded DOWN, never up
        ("1.2340", "1.234"),
        ("0.0019", "0.001"),
        ("2", "2.000"),
    ],
)
def test_capacity_is_rounded_down_to_three_places(value: str, sent: str) -> None:
    assert rules.format_capacity(D(value)) == sent


@pytest.mark.parametrize(
    ("value", "sent"),
    [("14.255", "14.26"), ("14.2549", "14.25"), ("0.005", "0.01"), ("0.0049", "0.00")],
)
def test_prices_are_rounded_half_up_to_two_places(value: str, sent: str) -> None:
    assert rules.format_price(D(value)) == sent


@pytest.mark.parametrize(
    ("capacity", "ok"),
    [("0.001", True), ("0.0009", False), ("0", False), ("-1", False)],
)
def test_capacity_must_be_positive_once_rounded_down(capacity: str, ok: bool) -> None:
    assert (rules.capacity_positive(D(capacity)) is None) is ok


@pytest.mark.parametrize(
    ("price", "ok"),
    [("0.005", True), ("0.0049", False), ("0", False), ("-0.01", False)],
)
def test_a_price_must_be_positive_once_rounded(price: str, ok: bool) -> None:
    assert (rules.price_positive("availability", D(price)) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [(Decimal("1.5"), True), (1.5, False), (Decimal("NaN"), False), (Decimal("Infinity"), False)],
)
def test_quantities_must_be_finite_decimals(value: object, ok: bool) -> None:
    assert (rules.is_decimal(value, "capacity") is None) is ok


@pytest.mark.parametrize(
    ("runtime", "ok"),
    [
        (None, True),  # not sent
        (timedelta(seconds=1), True),
        (timedelta(microseconds=999_999), False),  # truncates to zero seconds
        (timedelta(0), False),
        (timedelta(seconds=-1), False),
        ("02:00:00", False),  # a string is not a timedelta: the engine formats it itself
    ],
)
def test_max_runtime_must_be_a_positive_whole_duration(runtime: object, ok: bool) -> None:
    assert (rules.runtime_well_formed(runtime) is None) is ok


@pytest.mark.parametrize(
    ("runtime", "text"),
    [
        (timedelta(hours=2), "02:00:00"),
        (timedelta(hours=23, minutes=59, seconds=59), "23:59:59"),
        (timedelta(hours=24), "1T00:00:00"),
        (timedelta(days=1, hours=1, minutes=30), "1T01:30:00"),
        (timedelta(days=12, seconds=5), "12T00:00:05"),
    ],
)
def test_max_runtime_renders_as_days_and_clock(runtime: timedelta, text: str) -> None:
    assert rules.format_runtime(runtime) == text
    assert rules.RUNTIME_PATTERN.match(text)


@pytest.mark.parametrize(
    ("rates", "required", "ok"),
    [
        ({"availability", "utilisation"}, ("availability", "utilisation"), True),
        ({"availability"}, ("availability", "utilisation"), False),
        ({"availability", "utilisation", "service_fee"}, ("availability", "utilisation"), False),
        ({"service_fee"}, ("service_fee",), True),
        ({"availability"}, ("service_fee",), False),
        (set(), ("utilisation",), False),
    ],
)
def test_rates_must_be_exactly_those_of_the_competition_type(
    rates: set[str], required: tuple[str, ...], ok: bool
) -> None:
    given = {kind: D("1.00") for kind in rates}
    assert (rules.exact_rate_types(given, required) is None) is ok


@pytest.mark.parametrize(
    ("total", "ok"), [("2.000", True), ("1.999", True), ("2.001", False), ("2.0001", False)]
)
def test_a_windows_total_may_not_exceed_capacity_required(total: str, ok: bool) -> None:
    assert (
        rules.within_capacity_required(window(capacity_required="2.000"), D(total)) is None
    ) is ok


@pytest.mark.parametrize(("total", "ok"), [("1.500", True), ("1.501", False)])
def test_a_windows_total_may_not_exceed_the_included_assets(total: str, ok: bool) -> None:
    assert (rules.within_asset_capacity(window(), D(total), D("1.500")) is None) is ok


@pytest.mark.parametrize(
    ("close_after_now", "margin", "ok"),
    [
        (MARGIN + timedelta(microseconds=1), MARGIN, True),
        (MARGIN, MARGIN, False),  # closing exactly at now + margin is refused
        (MARGIN - timedelta(microseconds=1), MARGIN, False),
        (timedelta(microseconds=1), timedelta(0), True),
        (timedelta(0), timedelta(0), False),  # zero margin: the market's own rule, now < close
    ],
)
def test_a_competition_must_close_more_than_the_safety_margin_from_now(
    close_after_now: timedelta, margin: timedelta, ok: bool
) -> None:
    comp = competition(close=NOW + close_after_now)
    assert (rules.closes_after_margin(comp, NOW, margin) is None) is ok


@pytest.mark.parametrize(
    ("status", "opens_after_now", "ok"),
    [
        ("open", timedelta(0), True),  # opens exactly now
        ("open", timedelta(microseconds=1), False),
        ("closed", -timedelta(days=1), False),
        ("cancelled", -timedelta(days=1), False),
        ("results_published", -timedelta(days=1), False),
    ],
)
def test_a_competition_must_be_open(status: str, opens_after_now: timedelta, ok: bool) -> None:
    comp = competition(status=status, open=NOW + opens_after_now)
    assert (rules.competition_open(comp, NOW) is None) is ok


@pytest.mark.parametrize(
    ("type_", "ok"),
    [
        ("availability_utilisation", True),
        ("utilisation", True),
        ("availability", True),
        ("service_fee", True),
        ("availability_and_utilisation", False),
        ("", False),
    ],
)
def test_only_known_competition_types_can_be_bid(type_: str, ok: bool) -> None:
    assert (rules.known_type(competition(type=type_)) is None) is ok


@pytest.mark.parametrize(("window_id", "ok"), [("w1", True), ("w2", False), (None, False)])
def test_windows_must_belong_to_the_competition(window_id: object, ok: bool) -> None:
    assert (rules.window_belongs(competition(), window_id) is None) is ok


@pytest.mark.parametrize(
    ("capacities", "ok"),
    [
        ({("flex", "a1"): D("1.0"), ("flex", "a2"): D("0.5")}, True),
        ({("flex", "a1"): D("1.0"), ("flex", "a2"): D("0")}, False),  # no capacity left
        ({("flex", "a1"): D("1.0")}, False),  # a2 no longer qualifies
        ({("flex", "a1"): D("1.0"), ("planned", "a2"): D("0.5")}, False),  # wrong kind
    ],
)
def test_a_resubmission_needs_every_previous_asset_still_qualifying(
    capacities: dict[tuple[str, str], Decimal], ok: bool
) -> None:
    previous = frozenset({("flex", "a1"), ("flex", "a2")})
    result = rules.previous_assets_still_qualify(previous, capacities)  # type: ignore[arg-type]
    assert (result is None) is ok
