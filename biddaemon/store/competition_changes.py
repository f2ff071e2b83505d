"""What changed in a competition since it was stored: its close, its status, its windows.

Pure comparisons of the stored rows with what the market says now; `store.competitions` keeps
those that touch a ballot we sent as `CompetitionEvent`s, so `history` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import TYPE_CHECKING, Any

from biddaemon.store.models import Competition as StoredCompetition
from biddaemon.store.models import ServicePeriod, ServiceWindow
from biddaemon.store.storable import safe_text

if TYPE_CHECKING:
    from biddaemon.markets.piclo import Competition


def competition_changes(
    row: StoredCompetition, competition: Competition
) -> Iterable[tuple[str, str | None, str]]:
    old_close = row.competition_close
    if old_close is not None and old_close != competition.competition_close:
        moved = "closes early" if competition.competition_close < old_close else "extended"
        yield (
            "close_moved",
            None,
            f"competition {moved}: close moved from {old_close.isoformat()} to "
            f"{competition.competition_close.isoformat()} after we bid",
        )
    if competition.status.value == "cancelled" and row.status != "cancelled":
        yield "cancelled", None, "competition cancelled after we bid"


_FIELDS = (
    "name",
    "start_time",
    "end_time",
    "days",
    "bank_holidays",
    "capacity_required",
    "start_date",
    "end_date",
)


def window_shape(window: ServiceWindow, period: ServicePeriod | None) -> tuple[Any, ...]:
    """What a bid depends on, in `_FIELDS` order (tuples: compared for every window, cheaply)."""
    return (
        window.name,
        window.start_time,
        window.end_time,
        tuple(window.days),
        window.bank_holidays,
        window.capacity_required,
        period.start_date if period else None,
        period.end_date if period else None,
    )


def window_changes(
    before: dict[str, tuple[Any, ...]], competition: Competition
) -> Iterable[tuple[str, str | None, str]]:
    now: dict[str, tuple[Any, ...]] = {}
    for period in competition.service_periods:
        for window in period.service_windows:
            now[window.id] = (
                window.name,
                window.start_time,
                window.end_time,
                tuple(day.value for day in window.days),
                window.bank_holidays.value,
                window.capacity_required,
                period.start_date,
                period.end_date,
            )
    for window_id in sorted(before):
        old = before[window_id]
        new = now.get(window_id)
        label = safe_text(window_id, 64)
        if new is None:
            yield "window_removed", window_id, f"window {label} removed after we bid"
        elif new != old:
            differences = ", ".join(
                f"{name} {_text(was)} -> {_text(is_now)}"
                for name, was, is_now in zip(_FIELDS, old, new, strict=True)
                if was != is_now
            )
            yield "window_changed", window_id, f"window {label} changed after we bid: {differences}"


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return safe_text(value)
