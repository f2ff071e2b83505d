"""Which asset delivers how much of each bid, so the same megawatt is never promised twice.

An asset's capacity available to a window is its capacity in the need direction minus what is
already committed to overlapping windows of OTHER competitions (their ballots are live or
accepted; this competition's own previous ballot is being replaced, so it does not count). The
sum over all overlapping commitments is used even when those commitments do not overlap each
other: that can leave capacity unused, never double-promise it. With overbooking allowed,
commitments are ignored.

Bids take capacity asset by asset, largest available first (ties by kind and id), so the
allocation is deterministic. Split bids of one window share the window's availability.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from biddaemon.bidding.overlap import schedules_overlap
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
class CommittedElsewhere:
    """What overlapping windows of other competitions already hold of one asset."""

    kind: AssetKind
    asset_id: str
    capacity: Decimal
    competitions: tuple[str, ...]


class CommitmentIndex:
    """Commitments grouped by window schedule, so overlap is tested once per schedule."""

    def __init__(self, commitments: Iterable[Commitment], *, exclude_competition: str) -> None:
        by_schedule: dict[Schedule, dict[AssetKey, Decimal]] = defaultdict(dict)
        owners: dict[Schedule, set[tuple[AssetKey, str]]] = defaultdict(set)
        for commitment in commitments:
            if commitment.competition_id == exclude_competition:
                continue
            held = by_schedule[commitment.schedule]
            key = commitment.asset_key
            held[key] = held.get(key, ZERO) + commitment.capacity
            owners[commitment.schedule].add((key, commitment.competition_id))
        self._by_schedule = dict(by_schedule)
        self._owners = dict(owners)

    def committed(
        self, schedule: Schedule, assets: Iterable[AssetKey]
    ) -> dict[AssetKey, CommittedElsewhere]:
        """Per asset (of `assets`), the total committed in windows overlapping `schedule`."""
        wanted = set(assets)
        totals: dict[AssetKey, Decimal] = {}
        competitions: dict[AssetKey, set[str]] = defaultdict(set)
        for other, held in self._by_schedule.items():
            if not schedules_overlap(schedule, other):
                continue
            for key, capacity in held.items():
                if key in wanted:
                    totals[key] = totals.get(key, ZERO) + capacity
            for key, competition_id in self._owners[other]:
                if key in wanted:
                    competitions[key].add(competition_id)
        return {
            key: CommittedElsewhere(key[0], key[1], total, tuple(sorted(competitions[key])))
            for key, total in totals.items()
        }


class WindowAllocator:
    """The availability of each included asset in one window, drawn down bid by bid."""

    def __init__(
        self, assets: Sequence[AssetSpec], committed: dict[AssetKey, CommittedElsewhere]
    ) -> None:
        self.available: dict[AssetKey, Decimal] = {}
        for asset in assets:
            held = committed.get(asset.key)
            free = asset.capacity - (held.capacity if held else ZERO)
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
