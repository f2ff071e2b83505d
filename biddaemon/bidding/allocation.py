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

Cost: holdings are indexed by schedule and by hour of the week, so a window meets only the
holdings that touch one of its hours; the fleet's order is sorted once per competition, and a
window only re-orders the assets something already holds. Nothing per window walks the fleet.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from biddaemon.bidding.overlap import EVERY_WEEKDAY_SPAN, Pattern, pattern, patterns_overlap
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


Row = tuple[AssetKey, str, Decimal, dict[str, Any], int, bool]
"""One holding: asset, holder, MW held (a sum starting at ZERO, as every total is), its
`already_held` record entry (built once, when the holding is added), the MW in whole kW rounded
up, and whether that is exact."""


def _kilowatts_up(megawatts: Decimal) -> tuple[int, bool]:
    """(whole kW rounded up, exact?): free capacity is rounded DOWN to whole kW, so what is
    held counts rounded UP; most holdings are whole kW already, and then ints are exact."""
    scaled = megawatts.scaleb(3)
    whole = int(scaled.to_integral_value(rounding=ROUND_CEILING))
    return whole, whole == scaled


def _megawatts(kilowatts: int) -> Decimal:
    return Decimal(kilowatts).scaleb(-3)  # exact, 3 places, like a quantised capacity


class Sum:
    """What several holdings of one asset add up to, while a window's holdings are summed."""

    __slots__ = ("exact", "holders", "kilowatts", "total")

    def __init__(self, first: Row, second: Row) -> None:
        self.total: Decimal = first[2] + second[2]
        self.holders: set[str] = {first[1], second[1]}
        self.exact = first[5] and second[5]
        self.kilowatts = first[4] + second[4]

    def add(self, row: Row) -> None:
        self.total += row[2]
        self.holders.add(row[1])
        self.kilowatts += row[4]
        self.exact = self.exact and row[5]

    def held_kilowatts(self) -> int:
        """The sum in kW rounded up: of the exact parts when all are exact, else of the total."""
        return self.kilowatts if self.exact else _kilowatts_up(self.total)[0]


HeldTotals = dict[AssetKey, Row | Sum]
"""Per asset, what overlapping windows hold: the one holding, or the sum of several."""


def held_entry(key: AssetKey, held: Row | Sum) -> dict[str, Any]:
    """The record's `already_held` entry: shared with the holding when it is the only one
    (records are read-only data, so one dict can serve every decision that meets it)."""
    if isinstance(held, Sum):
        return {
            "kind": key[0],
            "asset_id": key[1],
            "capacity": format(held.total, "f"),
            "held_by": sorted(held.holders),
        }
    return held[3]


def _row(key: AssetKey, holder: str, capacity: Decimal) -> Row:
    total = ZERO + capacity
    record: dict[str, Any] = {"kind": key[0], "asset_id": key[1]}
    record["capacity"] = format(total, "f")
    record["held_by"] = [holder]
    kilowatts, exact = _kilowatts_up(total)
    return (key, holder, total, record, kilowatts, exact)


class _Entry:
    """Everything held in windows of one schedule, as rows appended, and by whom."""

    __slots__ = ("holders", "pattern", "rows")

    def __init__(self, schedule_pattern: Pattern) -> None:
        self.pattern = schedule_pattern
        self.rows: list[Row] = []
        self.holders: set[str] = set()


class Holdings:
    """Capacity held per window schedule, so overlap is tested once per schedule (not per asset),
    and only for schedules touching one of the same hours of the week.

    Built once and kept up to date (`add`, `add_commitment`, `release`), it can serve every
    decision of a cycle: a query names the competition being decided, whose own holdings are
    being replaced and so do not count.
    """

    def __init__(
        self, commitments: Iterable[Commitment] = (), *, exclude_competition: str | None = None
    ) -> None:
        self._entries: dict[Schedule, _Entry] = {}
        self._by_week_hour: list[list[_Entry]] = [[] for _ in range(7 * 24)]
        for commitment in commitments:
            if commitment.competition_id != exclude_competition:
                self.add_commitment(commitment)

    def __len__(self) -> int:
        return sum(len(entry.rows) for entry in self._entries.values())

    def add_commitment(self, commitment: Commitment) -> None:
        self.add(
            commitment.schedule,
            (commitment.kind, commitment.asset_id),
            commitment.capacity,
            commitment.competition_id,
        )

    def add(self, schedule: Schedule, key: AssetKey, capacity: Decimal, holder: str) -> None:
        entry = self._entry(schedule)
        entry.rows.append(_row(key, holder, capacity))
        entry.holders.add(holder)

    def add_shares(self, schedule: Schedule, shares: Iterable[AssetShare], holder: str) -> None:
        """Hold every share of one bid in `schedule` for `holder` (one index lookup)."""
        entry = self._entry(schedule)
        entry.rows.extend(_row((s.kind, s.asset_id), holder, s.capacity) for s in shares)
        entry.holders.add(holder)

    def _entry(self, schedule: Schedule) -> _Entry:
        entry = self._entries.get(schedule)
        if entry is None:
            entry = self._entries[schedule] = _Entry(pattern(schedule))
            for hour in entry.pattern.week_hours:
                self._by_week_hour[hour].append(entry)
        return entry

    def release(self, holder: str) -> None:
        """Forget everything `holder` holds (its ballot was rejected, replaced or finished)."""
        for entry in self._entries.values():
            if holder in entry.holders:
                entry.rows = [row for row in entry.rows if row[1] != holder]
                entry.holders.discard(holder)

    def collect(self, mine: Pattern, into: HeldTotals, *, exclude: str | None = None) -> None:
        """Add to `into` what windows overlapping `mine` hold, per asset (all assets)."""
        buckets = self._by_week_hour
        hours = mine.week_hours
        candidates: Iterable[_Entry]
        if len(hours) == 1:
            (hour,) = hours
            candidates = buckets[hour]
        else:  # one entry may touch several of our hours: meet each once
            candidates = set().union(*[buckets[hour] for hour in hours])
        slots, first, last = mine.week_slots, mine.first, mine.last
        get = into.get
        for entry in candidates:
            other = entry.pattern
            if (
                slots
                and other.week_slots
                and (last if last < other.last else other.last)
                - (first if first > other.first else other.first)
                >= EVERY_WEEKDAY_SPAN
            ):
                if not slots & other.week_slots:
                    continue
            elif not patterns_overlap(mine, other):
                continue
            rows = entry.rows
            if exclude in entry.holders:
                rows = [row for row in rows if row[1] != exclude]
            for row in rows:  # the hot loop: one dict lookup per holding
                key = row[0]
                held = get(key)
                if held is None:
                    into[key] = row
                elif type(held) is tuple:
                    into[key] = Sum(held, row)
                else:  # Sum.add, inlined
                    held.total += row[2]  # type: ignore[union-attr]
                    held.holders.add(row[1])  # type: ignore[union-attr]
                    held.kilowatts += row[4]  # type: ignore[union-attr]
                    if not row[5]:
                        held.exact = False  # type: ignore[union-attr]

    def held(
        self, schedule: Schedule, assets: Iterable[AssetKey], *, exclude: str | None = None
    ) -> dict[AssetKey, Held]:
        """Per asset (of `assets`), the total held in windows overlapping `schedule`."""
        totals: HeldTotals = {}
        self.collect(pattern(schedule), totals, exclude=exclude)
        wanted = set(assets)
        found: dict[AssetKey, Held] = {}
        for key, held in totals.items():
            if key in wanted:
                total = held.total if isinstance(held, Sum) else held[2]
                holders = tuple(held_entry(key, held)["held_by"])
                found[key] = Held(key[0], key[1], total, holders)
        return found


class Fleet:
    """The ballot's assets, ordered once per competition: largest capacity first, then key.

    Capacities are whole kW (rounded down, as `rules.quantise_capacity` does), as ints: the
    ordering and drawing down are integer sums, exact and cheap; Decimals come back out.
    """

    __slots__ = ("kilowatts", "order", "total")

    def __init__(self, assets: Sequence[AssetSpec]) -> None:
        # int() truncates, which for the non-negative capacities of an AssetSpec rounds down
        self.kilowatts: dict[AssetKey, int] = {a.key: int(a.capacity.scaleb(3)) for a in assets}
        self.order: list[tuple[int, AssetKey]] = sorted(
            (-free, key) for key, free in self.kilowatts.items() if free > 0
        )
        self.total: int = sum(self.kilowatts.values())


class WindowAllocator:
    """The availability of each included asset in one window, drawn down bid by bid.

    Only the assets something holds (or an earlier split bid took from) are kept apart, in
    `changed`; every other asset has its full capacity, in the fleet's precomputed order.
    """

    def __init__(self, fleet: Fleet, totals: HeldTotals) -> None:
        self.fleet = fleet
        self.changed: dict[AssetKey, int] = {}
        self.held: list[tuple[AssetKey, Row | Sum]] = []  # the ballot's assets only, by key
        capacity = fleet.kilowatts
        changed, held = self.changed, self.held
        total = fleet.total
        for key in sorted(totals):
            full = capacity.get(key)
            if full is None:  # not one of the ballot's assets
                continue
            holding = totals[key]
            if type(holding) is tuple:
                taken = holding[4]
            else:
                assert isinstance(holding, Sum)
                taken = holding.kilowatts if holding.exact else holding.held_kilowatts()
            free = full - taken if taken < full else 0
            changed[key] = free
            total += free - full
            held.append((key, holding))
        self._total = total

    @property
    def total_available(self) -> Decimal:
        return _megawatts(self._total)

    def take(self, wanted: Decimal) -> tuple[Decimal, tuple[AssetShare, ...]]:
        """Allocate up to `wanted` MW (3 places), largest available first; returns (allocated,
        shares)."""
        changed = self.changed
        heap = [(-free, key) for key, free in changed.items() if free > 0]
        heapq.heapify(heap)
        order = self.fleet.order
        position, end = 0, len(order)
        remaining = int(wanted.scaleb(3))
        shares: list[AssetShare] = []
        while remaining > 0:
            while position < end and order[position][1] in changed:
                position += 1
            if position < end and (not heap or order[position] < heap[0]):
                negative, key = order[position]
                position += 1
            elif heap:
                negative, key = heapq.heappop(heap)
            else:
                break
            free = -negative
            part = free if free < remaining else remaining
            shares.append(AssetShare(key[0], key[1], _megawatts(part)))
            changed[key] = free - part
            remaining -= part
            self._total -= part
        return wanted - _megawatts(remaining), tuple(shares)
