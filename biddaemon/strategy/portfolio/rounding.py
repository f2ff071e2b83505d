"""From HiGHS's floats to whole kW per (competition, window, asset, level), exactly feasible.

Rounded down to kW, every capacity row is checked again in integers and any excess (a solver
tolerance) taken back, largest first; then each slot's MW split over pools and levels (north-west
corner, cheapest level first) and each pool's part over its assets in proportion to capacity.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from biddaemon.strategy.portfolio.model import Model, _kw_down
from biddaemon.strategy.portfolio.problem import Key, Slot

if TYPE_CHECKING:
    import numpy.typing as npt

_KW = Decimal("0.001")


def answer(
    model: Model, values: npt.NDArray[np.float64]
) -> tuple[dict[Key, Decimal], dict[tuple[str, str], dict[int, Decimal]], Decimal]:
    """Whole kW that satisfy every constraint exactly, split per (asset, level)."""
    kw = np.floor(np.round(np.maximum(values, 0.0) * 1e6) / 1000).astype(np.int64)
    for cols, room in model.cliques:  # take back what a tolerance let through, largest first
        excess = int(kw[cols].sum()) - room
        for col in sorted(cols.tolist(), key=lambda c: (-int(kw[c]), c)):
            if excess <= 0:
                break
            cut = min(excess, int(kw[col]))
            kw[col] -= cut
            excess -= cut
    mw: dict[Key, Decimal] = {}
    by_slot: dict[tuple[str, str], dict[int, Decimal]] = {}
    objective = Decimal(0)
    for at, slot in enumerate(model.slots):
        pools = [
            [pool, min(int(kw[model.y_start[at] + n]), cap)]
            for n, (pool, cap) in enumerate(model.served[at])
        ]
        levels = model.levels[at]
        z0 = model.z_start[at]
        wanted = [int(kw[z0 + n]) for n in range(len(levels))]
        total = min(sum(wanted), sum(p for _, p in pools), _kw_down(slot.need_mw))
        for number, level in enumerate(levels):  # cheapest first: dearer levels give way
            wanted[number] = min(wanted[number], max(total - sum(wanted[:number]), 0))
            if level.cumulative_cap_mw is not None:
                allowed = _kw_down(level.cumulative_cap_mw) - sum(wanted[:number])
                wanted[number] = max(min(wanted[number], allowed), 0)
        p = 0
        for number, level in enumerate(levels):  # north-west corner: pools in order
            need, placed = wanted[number], 0
            while need > 0 and p < len(pools):
                part = min(need, pools[p][1])
                if part > 0:
                    placed += _split(model.pools[pools[p][0]], part, slot, level.level, mw)
                    pools[p][1] -= part
                    need -= part
                if pools[p][1] == 0:
                    p += 1
            if placed > 0:
                amount = Decimal(placed) * _KW
                by_slot.setdefault((slot.competition_id, slot.window_id), {})[level.level] = amount
                objective += level.value_per_mw * level.probability * amount
    return mw, by_slot, objective


def _split(
    members: list[tuple[str, int]], part: int, slot: Slot, level: int, mw: dict[Key, Decimal]
) -> int:
    """`part` kW of a pool over its assets in proportion to their capacity, rounded down (so
    each asset stays within its own constraints); returns the kW placed."""
    total = sum(cap for _, cap in members)
    placed = 0
    for asset, cap in members:
        share = part * cap // total
        if share > 0:
            key = (slot.competition_id, slot.window_id, asset, level)
            mw[key] = mw.get(key, Decimal(0)) + Decimal(share) * _KW
            placed += share
    return placed
