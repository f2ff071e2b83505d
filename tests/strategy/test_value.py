"""The portfolio values an accepted MW exactly as the demo, the dashboard and the backtest do
(`bidding.value`), whatever the window; utilisation counts for nothing."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from biddaemon.bidding import value as shared
from biddaemon.strategy.portfolio.value import (
    accepted_value_per_mw,
    value_per_mw,
    window_hours,
)
from biddaemon.strategy.snapshot import DAYS, Schedule

money = st.decimals(Decimal("0.01"), Decimal("500"), places=2)


@given(
    start=st.dates(date(2027, 1, 1), date(2029, 1, 1)),
    length=st.integers(1, 400),
    begin=st.integers(0, 95),
    end=st.integers(0, 95),
    days=st.sets(st.sampled_from(DAYS), min_size=1),
    availability=st.none() | money,
    fee=st.none() | money,
)
def test_the_same_value_as_the_shared_definition(
    start: date,
    length: int,
    begin: int,
    end: int,
    days: set[str],
    availability: Decimal | None,
    fee: Decimal | None,
) -> None:
    schedule = Schedule(
        start,
        start + timedelta(days=length),
        time(*divmod(begin * 15, 60)),
        time(*divmod(end * 15, 60)),
        frozenset(days),
    )
    hours = shared.window_hours(
        schedule.start_time, schedule.end_time, days, schedule.start_date, schedule.end_date
    )
    assert window_hours(schedule) == hours
    rates = {
        name: rate
        for name, rate in (("availability", availability), ("service_fee", fee))
        if rate is not None
    }
    assert accepted_value_per_mw(rates, hours) == shared.accepted_value(
        Decimal(1), availability, fee, hours
    )


def test_utilisation_counts_for_nothing() -> None:
    """Utilisation pays only when dispatched: a utilisation-only window is worth nothing, so its
    MW stay free for windows that pay for availability."""
    rates = {"availability": Decimal("10.00"), "utilisation": Decimal("300.00")}
    hours = Decimal(100)
    assert accepted_value_per_mw(rates, hours) == Decimal(1000)
    assert value_per_mw(rates, hours) == Decimal(1000)
    assert value_per_mw({"utilisation": Decimal("300.00")}, hours) == 0
