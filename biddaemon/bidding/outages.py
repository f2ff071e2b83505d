"""What the inventory takes out of a window: planned outages and assets in maintenance.

An outage is a UTC interval [start, end); a service window recurs on the GB (Europe/London) wall
clock. The outage is put on the wall clock and compared with every occurrence of the window. On
the two days a year the clock jumps this errs on the safe side, as `bidding.overlap` does: an
outage that spans a change is widened on the wall clock by the hour the change moves, so it
counts against every window it could touch; elsewhere the comparison is exact, so a window that
starts as an outage ends is not reduced.

An asset's outages overlapping a window are summed (even when they do not overlap each other:
that can leave capacity unused, never offer capacity that is out), in whole kW rounded up, and
never more than the asset's capacity. An asset in maintenance (`mothballed` in the inventory)
or `archived` is out in every window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from biddaemon.bidding.holdings import AssetKey, kilowatts_up, megawatts
from biddaemon.strategy.snapshot import DAYS, AssetSpec, OutageSpec, Schedule

_GB_TIME: Final = ZoneInfo("Europe/London")
_DAY: Final = timedelta(days=1)


def _wall_clock(outage: OutageSpec) -> tuple[datetime, datetime]:
    """[start, end) as naive GB wall clock, widened by a clock change it spans."""
    start_offset = outage.start.astimezone(_GB_TIME).utcoffset() or timedelta(0)
    end_offset = outage.end.astimezone(_GB_TIME).utcoffset() or timedelta(0)
    start = outage.start.astimezone(UTC).replace(tzinfo=None)
    end = outage.end.astimezone(UTC).replace(tzinfo=None)
    return start + min(start_offset, end_offset), end + max(start_offset, end_offset)


@lru_cache(maxsize=65536)
def outage_overlaps(schedule: Schedule, outage: OutageSpec) -> bool:
    """True when some occurrence of `schedule` shares a moment with `outage`."""
    low, high = _wall_clock(outage)
    begin = schedule.start_time
    length = datetime.combine(low.date(), schedule.end_time) - datetime.combine(low.date(), begin)
    if length <= timedelta(0):  # crosses midnight (equal times: a whole day)
        length += _DAY
    day = max(schedule.start_date, low.date() - _DAY)  # an occurrence may start the day before
    last = min(schedule.end_date, high.date() + _DAY)  # exclusive
    while day < last:
        if DAYS[day.weekday()] in schedule.days:
            start = datetime.combine(day, begin)
            if start < high and low < start + length:
                return True
        day += _DAY
    return False


@dataclass(frozen=True, slots=True)
class WindowOutages:
    """What one window loses: kW out per asset, and the record's entries and reasons."""

    kilowatts: dict[AssetKey, int]
    entries: list[dict[str, Any]]
    reasons: list[str]


def _when(outage: OutageSpec) -> str:
    start = outage.start.astimezone(_GB_TIME)
    end = outage.end.astimezone(_GB_TIME)
    shown = "%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M}\u2013{end.strftime(shown)} GB time"


def _label(asset: AssetSpec) -> str:
    return f"asset {asset.kind} {asset.id} ({asset.ref})" if asset.ref else f"asset {asset.id}"


def window_outages(schedule: Schedule, assets: Sequence[AssetSpec]) -> WindowOutages:
    """The capacity of `assets` (those with outages or in maintenance) out in this window."""
    kilowatts: dict[AssetKey, int] = {}
    entries: list[dict[str, Any]] = []
    reasons: list[str] = []
    for asset in assets:
        full = int(asset.capacity.scaleb(3))
        if asset.offers_nothing:
            kilowatts[asset.key] = full
            entries.append(
                {"kind": asset.kind, "asset_id": asset.id, "ref": asset.ref, "status": asset.status}
            )
            reasons.append(
                f"{_label(asset)}: {asset.status} in the inventory, offers nothing "
                f"({megawatts(full)} MW out)"
            )
            continue
        out = 0
        for outage in asset.outages:
            if not outage_overlaps(schedule, outage):
                continue
            out += kilowatts_up(outage.mw)[0]
            reason = f" for {outage.reason}" if outage.reason else ""
            entries.append(
                {
                    "kind": asset.kind,
                    "asset_id": asset.id,
                    "ref": asset.ref,
                    "mw": format(outage.mw, "f"),
                    "start": outage.start.isoformat(),
                    "end": outage.end.isoformat(),
                    "reason": outage.reason,
                }
            )
            reasons.append(
                f"{_label(asset)}: {outage.mw} MW out{reason} {_when(outage)} overlaps this window"
            )
        if out:
            kilowatts[asset.key] = min(out, full)
    return WindowOutages(kilowatts, entries, reasons)
