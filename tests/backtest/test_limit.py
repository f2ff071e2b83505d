"""The limit knows the DSO's budget and the rivals: a penny under each rival, or the budget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

from biddaemon.backtest.limit import price_levels, solve_limit
from biddaemon.sandbox.contested import border_batteries
from biddaemon.sandbox.geography import DSOS, area_of
from biddaemon.sandbox.model import Competition, Fleet, Offer, Rate, ServicePeriod, ServiceWindow

WINDOW = ServiceWindow(
    "w1", "Evening", time(17), time(19), ("mon", "tue", "wed", "thu", "fri"), "excluded",
    Decimal("4.000"),
)  # fmt: skip
HOURS = Decimal(20 * 2)  # 20 weekdays in Feb 2027, two hours each


def competition(*rivals: Offer) -> Competition:
    return Competition(
        id="c1", reference="R-1", name="Test", operator_name=DSOS[1].name,
        type="availability", need_direction="deficit",
        competition_open=datetime(2027, 1, 1, tzinfo=UTC),
        competition_close=datetime(2027, 1, 10, tzinfo=UTC),
        availability_guide_price=Decimal("14.00"), utilisation_guide_price=None,
        service_fee_guide_price=None,
        service_periods=(
            ServicePeriod("p1", "Feb", date(2027, 2, 1), date(2027, 3, 1), (WINDOW,)),
        ),
        area=area_of(DSOS[1].places), results_at=datetime(2027, 1, 11, tzinfo=UTC),
        budget_factor=Decimal("1.20"), rival_offers=rivals,
    )  # fmt: skip


def rival(mw: str, price: str) -> Offer:
    return Offer("w1", Decimal(mw), (Rate("availability", Decimal(price)),))


def test_levels_are_a_penny_under_each_rival_within_budget_and_the_budget() -> None:
    levels = price_levels(
        competition(), WINDOW, [rival("2.500", "13.00"), rival("1.000", "15.00"), rival("1", "20")]
    )
    assert [(r["availability"], cap) for r, cap in levels] == [
        (Decimal("12.99"), Decimal("4.000")),  # ahead of every rival: the whole need
        (Decimal("14.99"), Decimal("1.500")),  # behind the 13.00 rival
        (Decimal("16.80"), Decimal("0.500")),  # the budget, behind both; 20.00 is over budget
    ]


def test_the_limit_takes_the_dear_room_and_fills_the_rest_cheaper() -> None:
    border = border_batteries(1, "sandbox-provider", datetime(2027, 1, 1, tzinfo=UTC))[1]
    battery = replace(border, active_export_capacity=Decimal("5.000"))  # in SPEN's Chester
    market = competition(rival("2.500", "13.00"), rival("1.000", "15.00"))
    limit = solve_limit([market], Fleet((battery,)), Decimal("1"))
    # 0.5 MW at the budget (behind both rivals), 1.0 MW a penny under the dearer rival, the
    # rest of the need a penny under the cheapest; the sandbox's DSO would accept all three.
    mw_at_price = [("0.5", "16.80"), ("1.0", "14.99"), ("2.5", "12.99")]
    expected = sum(Decimal(mw) * Decimal(price) for mw, price in mw_at_price) * HOURS
    assert limit.status == "optimal"
    assert limit.mw_accepted == Decimal("4.000")
    assert limit.accepted_value == expected.quantize(Decimal("0.01"))
