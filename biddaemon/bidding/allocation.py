"""Which asset delivers how much of each bid, so the same megawatt is never promised twice.

An asset's capacity available to a window is its capacity in the need direction minus what is
already held in overlapping windows: by other competitions (their ballots are live or accepted;
this competition's own previous ballot is being replaced, so its commitments do not count), and
by the windows of this same ballot allocated before it (two overlapping windows of one
competition could both be accepted). The sum over all overlapping holdings is used even when
those holdings do not overlap each other: that can leave capacity unused, never double-promise
it. With overbooking allowed, holdings are ignored. What the inventory says is out (planned
outages overlapping the window, an asset in maintenance: `bidding.outages`) is taken off the
same way, overbooking or not.

Bids take capacity asset by asset, largest available first (ties by kind and id), so the
allocation is deterministic. Split bids of one window share the window's availability.

Cost: what overlapping windows hold comes from an index of schedules (`bidding.holdings`), as
kW per asset of the holdings a window overlaps. The fleet's order is sorted once per
competition, and a window only re-orders the assets something already holds. Nothing per
window walks the fleet: its work is the overlapping holdings and its bids' allocations.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from decimal import Decimal

from biddaemon.bidding.holdings import (
    ZERO,
    AssetKey,
    AssetShare,
    Collected,
    Held,
    Holdings,
    kilowatts_up,
    megawatts,
)
from biddaemon.strategy.snapshot import AssetSpec

__all__ = ["AssetKey", "AssetShare", "Fleet", "Held", "Holdings", "WindowAllocator"]


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

    Only the assets something holds are kept apart, in a heap of (-free kW, key); every other
    asset has its full capacity, in the fleet's precomputed order, read from `position` on.
    An asset a bid took part of goes (with what is left) to the heap, so split bids of one
    window share the availability.
    """

    def __init__(
        self, fleet: Fleet, held: Collected, out: Mapping[AssetKey, int] | None = None
    ) -> None:
        """`out`: kW per asset the inventory says is unavailable in this window."""
        self.fleet = fleet
        capacity = fleet.kilowatts
        taken = self.taken = held.kilowatts
        if held.inexact:  # an asset with a part that is not whole kW: its exact sum, rounded up
            exact: dict[AssetKey, Decimal] = {}
            for row in held.inexact:
                exact[row[0]] = ZERO
            for ident in held.ids:
                for kind, asset_id, capacity_held in held.rows[ident]["shares"]:
                    key = (kind, asset_id)
                    if key in exact:
                        exact[key] += Decimal(capacity_held)
            for key, total in exact.items():
                taken[key] = kilowatts_up(total)[0]
        for key, part in (out or {}).items():
            if key in capacity:
                taken[key] = min(taken.get(key, 0) + part, capacity[key])
        # -free, for the assets with some capacity left: the held part is below the capacity
        self.heap = [
            (part - full, key) for key, part in taken.items() if part < (full := capacity[key])
        ]
        heapq.heapify(self.heap)
        self._total = (
            fleet.total
            - sum([capacity[key] for key in taken])
            - sum([negative for negative, _ in self.heap])
        )
        self.position = 0

    @property
    def total_available(self) -> Decimal:
        return megawatts(self._total)

    def take(self, wanted: Decimal) -> tuple[Decimal, tuple[AssetShare, ...]]:
        """Allocate up to `wanted` MW (3 places), largest available first; returns (allocated,
        shares)."""
        held, heap = self.taken, self.heap
        order = self.fleet.order
        position, end = self.position, len(order)
        remaining = int(wanted.scaleb(3))
        shares: list[AssetShare] = []
        while remaining > 0:
            while position < end and order[position][1] in held:
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
            shares.append(AssetShare(key[0], key[1], megawatts(part)))
            if part < free:
                heapq.heappush(heap, (part - free, key))
            remaining -= part
            self._total -= part
        self.position = position
        return wanted - megawatts(remaining), tuple(shares)
