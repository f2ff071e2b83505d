"""The snapshot refuses what a strategy must never see: floats, naive times, inconsistent ids."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from biddaemon.strategy.snapshot import AssetSpec, Commitment, Schedule, WindowSpec
from tests.bidding.support import NOW, asset, competition, snapshot, window


def test_instants_are_held_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    comp = competition(close=datetime(2027, 1, 11, 13, 0, tzinfo=paris))
    assert comp.competition_close == datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
    assert comp.competition_close.tzinfo is UTC


@pytest.mark.parametrize("field", ["open", "close"])
def test_naive_competition_times_are_refused(field: str) -> None:
    naive = datetime(2027, 1, 11, 12, 0)
    with pytest.raises(ValueError, match="has no timezone offset"):
        competition(**{field: naive})


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match=r"now .* has no timezone offset"):
        snapshot(now=datetime(2027, 1, 10, 12, 0))


def test_a_competition_closing_before_it_opens_is_refused() -> None:
    with pytest.raises(ValueError, match="competition_close must be after"):
        competition(open=NOW, close=NOW)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AssetSpec("a", "flex", "r", 1.5), "finite Decimal"),  # type: ignore[arg-type]
        (lambda: AssetSpec("a", "flex", "r", Decimal("-1")), "must not be negative"),
        (lambda: AssetSpec("a", "battery", "r", Decimal("1")), "kind must be"),  # type: ignore[arg-type]
        (lambda: AssetSpec("a", "flex", "r", Decimal("1"), Decimal("NaN")), "finite Decimal"),
        (
            lambda: AssetSpec("a", "flex", "r", Decimal("1"), None, timedelta(seconds=-1)),
            "non-negative timedelta",
        ),
        (lambda: window(capacity_required="-0.001"), "must not be negative"),
        (lambda: window(end_date=date(2027, 11, 1)), "must be after start_date"),
        (lambda: window(days=[]), "non-empty frozenset"),
        (lambda: window(days=["monday"]), "unknown day"),
        (lambda: competition(windows=[window("w"), window("w")]), "appears twice"),
        (lambda: snapshot(assets=[asset("a"), asset("a")]), "an asset appears twice"),
        (lambda: replace(competition(), availability_guide_price=15.0), "finite Decimal"),  # type: ignore[arg-type]
        (
            lambda: Commitment("a", "c", "w", window().schedule, Decimal("1"), "battery"),  # type: ignore[arg-type]
            "kind must be",
        ),
    ],
)
def test_inconsistent_or_inexact_values_are_refused(build: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        build()


def test_window_times_must_be_naive_local_times() -> None:
    with pytest.raises(TypeError, match="naive GB-local time"):
        Schedule(
            date(2027, 1, 1), date(2027, 2, 1), time(16, tzinfo=UTC), time(19), frozenset({"mon"})
        )


def test_the_same_asset_id_may_be_both_a_flex_and_a_planned_asset() -> None:
    snap = snapshot(assets=[asset("x"), asset("x", kind="planned")])
    assert {a.key for a in snap.assets} == {("flex", "x"), ("planned", "x")}


def test_a_snapshot_cannot_be_changed() -> None:
    snap = snapshot()
    with pytest.raises(FrozenInstanceError):
        snap.now = NOW  # type: ignore[misc]
    with pytest.raises(TypeError):
        snap.options["x"] = "y"  # type: ignore[index]


def test_a_window_exposes_its_schedule() -> None:
    spec: WindowSpec = window(start_time=time(22), end_time=time(2))
    assert spec.schedule.crosses_midnight
    assert spec.schedule.days == frozenset({"mon", "tue", "wed", "thu", "fri"})
