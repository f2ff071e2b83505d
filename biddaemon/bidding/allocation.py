"""Which asset delivers how much of each bid, so the same megawatt is never promised twice.

An asset's capacity available to a window is its capacity in the need direction minus what is
already held in overlapping windows: by other competitions (their ballots are live or accepted;
this competition's own previous ballot is being replaced, so its commitments do not count), and
by the windows of this same ballot allocated before it (two overlapping windows of one
competition could both be accepted). The sum over all overlapping holdings is used even when
those holdings do not overlap each other: that can leave capacity unused, never double-promise
it. With overbooking allowed, holdings are ignored.

Bids take capacity asset by asset, largest available first (ties by kind and id), so the
allocation is deterministic. Split bids of one window share the window's availability.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from biddaemon.bidding.overlap import Pattern, pattern, patterns_overlap
from biddaemon.bidding.rules import quantise_capacity
from biddaemon.strategy.snapshot import AssetKind, AssetSpec, Commitment, Schedule

AssetKey = tuple[AssetKind, str]
ZERO = Decimal("0.000")


@dataclass(frozen=True, slots=True)
class AssetShare:
    """The part of one bid that one asset delivers."""

    kind: AssetKind
    asset_id: str
    capacity: Decimal


@dataclass(frozen=True, slots=True)
class Held:
    """What overlapping windows already hold of one asset, and who holds it."""

    kind: AssetKind
    asset_id: str
    capacity: Decimal
    held_by: tuple[str, ...]  # competition ids, or "this ballot, window X"


@dataclass(slots=True)
class _Entry:
    pattern: Pattern
    amounts: dict[AssetKey, Decimal]
    holders: dict[AssetKey, set[str]]


class Holdings:
    """Capacity held per window schedule, so overlap is tested once per schedule (not per asset),
    and only for schedules touching one of the same hours of the week."""

    def __init__(self, commitments: Iterable[Commitment], *, exclude_competition: str) -> None:
        self._entries: dict[Schedule, _Entry] = {}
        self._by_week_hour: dict[int, list[_Entry]] = defaultdict(list)
        for commitment in commitments:
            if commitment.competition_id != exclude_competition:
                self.add(
                    commitment.schedule,
                    commitment.asset_key,
                    commitment.capacity,
                    commitment.competition_id,
                )

    def add(self, schedule: Schedule, key: AssetKey, capacity: Decimal, holder: str) -> None:
        entry = self._entries.get(schedule)
        if entry is None:
            entry = self._entries[schedule] = _Entry(pattern(schedule), {}, {})
            for hour in entry.pattern.week_hours:
                self._by_week_hour[hour].append(entry)
        entry.amounts[key] = entry.amounts.get(key, ZERO) + capacity
        entry.holders.setdefault(key, set()).add(holder)

    def held(self, schedule: Schedule, assets: Iterable[AssetKey]) -> dict[AssetKey, Held]:
        """Per asset (of `assets`), the total held in windows overlapping `schedule`."""
        wanted = set(assets)
        mine = pattern(schedule)
        totals: dict[AssetKey, Decimal] = {}
        holders: dict[AssetKey, set[str]] = defaultdict(set)
        candidates = {
            id(entry): entry
            for hour in mine.week_hours
            for entry in self._by_week_hour.get(hour, ())
        }
        for entry in candidates.values():
            if not patterns_overlap(mine, entry.pattern):
                continue
            for key, capacity in entry.amounts.items():
                if key in wanted:
                    totals[key] = totals.get(key, ZERO) + capacity
                    holders[key] |= entry.holders[key]
        return {
            key: Held(key[0], key[1], total, tuple(sorted(holders[key])))
            for key, total in totals.items()
        }


class WindowAllocator:
    """The availability of each included asset in one window, drawn down bid by bid."""

    def __init__(self, assets: Sequence[AssetSpec], held: dict[AssetKey, Held]) -> None:
        self.available: dict[AssetKey, Decimal] = {}
        for asset in assets:
            taken = held.get(asset.key)
            free = asset.capacity - (taken.capacity if taken else ZERO)
            self.available[asset.key] = max(quantise_capacity(free), ZERO)

    @property
    def total_available(self) -> Decimal:
        return sum(self.available.values(), ZERO)

    def take(self, wanted: Decimal) -> tuple[Decimal, tuple[AssetShare, ...]]:
        """Allocate up to `wanted` MW, largest available first; returns (allocated, shares)."""
        order = sorted(self.available.items(), key=lambda item: (-item[1], item[0]))
        remaining = wanted
        shares: list[AssetShare] = []
        for key, free in order:
            if remaining <= 0:
                break
            if free <= 0:
                continue
            part = min(free, remaining)
            shares.append(AssetShare(key[0], key[1], part))
            self.available[key] = free - part
            remaining -= part
        return wanted - remaining, tuple(shares)
