"""Which recurring windows run at the same instant: the sets the capacity constraints sum over.

Two windows that overlap at some moment may both be accepted, so an asset's MW in them must fit its
capacity together; three windows that overlap pairwise but never all at once need not. The exact
constraint is therefore one per *instant*: the windows running at that moment. Instants are finitely
many kinds, because every schedule is made of date ranges, weekdays and GB wall-clock times of day:

- the date axis is cut at every schedule's first and (exclusive) last date, and the day after each
  (a window crossing midnight runs into the next date), so within one date segment every schedule
  either runs on each of its weekdays or on none;
- a segment shorter than a week holds only some weekdays: those are the ones looked at;
- the day is cut at every start and end time, so within one piece of the day nothing starts or
  stops; only a piece where something starts (or the day's first) can hold a largest set (going
  back to the last start only gains windows), and none inside the set of the piece next to it.

Every (segment, weekday, piece of the day) is one kind of instant, and the set of schedules running
then is one candidate set. Sets contained in another can be dropped (their constraint is implied):
`maximal_rows` does it for one asset's sets. The wall clock is GB local, as in the engine
(`bidding.overlap`): on the days the clock jumps, and on bank holidays, a window still counts as
running, which can only leave capacity unused. The work is vectorised with numpy, one date segment
at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from biddaemon.strategy.snapshot import DAYS, Schedule

_DAY = 24 * 3600
_WEEKDAY = {name: number for number, name in enumerate(DAYS)}
Mask = npt.NDArray[np.bool_]


def _seconds(schedule: Schedule) -> tuple[int, int]:
    start = schedule.start_time.hour * 3600 + schedule.start_time.minute * 60
    start += schedule.start_time.second
    end = schedule.end_time.hour * 3600 + schedule.end_time.minute * 60 + schedule.end_time.second
    if end <= start:  # crosses midnight (equal: a whole day)
        end += _DAY
    return start, end


def running_together(schedules: Sequence[Schedule]) -> Mask:
    """Boolean matrix (sets x schedules): each row is the schedules running at one kind of
    instant, distinct, in a deterministic order; rows of one schedule alone are kept (its
    capacity still binds). Containment is left to `maximal_rows`, per asset, where the sets are
    few and narrow."""
    count = len(schedules)
    if count == 0:
        return np.zeros((0, 0), dtype=np.bool_)
    times = np.array([_seconds(s) for s in schedules], dtype=np.int64)
    starts, ends = times[:, 0], times[:, 1]
    cuts = np.unique(np.concatenate(([0, _DAY], starts, np.minimum(ends, _DAY), ends - _DAY)))
    cuts = cuts[(cuts >= 0) & (cuts <= _DAY)]
    lo, hi = cuts[:-1], cuts[1:]  # the pieces of one day
    own_time = (starts[:, None] <= lo[None, :]) & (np.minimum(ends, _DAY)[:, None] >= hi[None, :])
    spill_time = (ends - _DAY)[:, None] >= hi[None, :]  # the part after midnight, next day
    starts_here = starts[:, None] == lo[None, :]
    days = np.zeros((count, 7), dtype=np.bool_)
    for index, schedule in enumerate(schedules):
        for day in schedule.days:
            days[index, _WEEKDAY[day]] = True
    spill_days = np.roll(days, 1, axis=1)  # runs on weekday w-1 -> spills onto weekday w
    first = np.array([s.start_date.toordinal() for s in schedules], dtype=np.int64)
    last = np.array([s.end_date.toordinal() for s in schedules], dtype=np.int64)
    edges = np.unique(np.concatenate((first, last, first + 1, last + 1)))
    packed: list[npt.NDArray[np.uint8]] = []
    for seg_start, seg_end in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        own_range = (first <= seg_start) & (last >= seg_end)
        spill_range = (first + 1 <= seg_start) & (last + 1 >= seg_end)
        if not (own_range.any() or spill_range.any()):
            continue
        for weekday in _weekdays(seg_start, seg_end):
            own = own_range & days[:, weekday]
            spill = spill_range & spill_days[:, weekday]
            running = (own[:, None] & own_time) | (spill[:, None] & spill_time)
            begins = (own[:, None] & starts_here).any(axis=0)
            begins[0] = True  # what runs at 00:00, having started the day before
            running = running[:, begins & running.any(axis=0) & ~_inside_a_neighbour(running)]
            if running.shape[1]:
                packed.append(np.packbits(running, axis=0).T)
    if not packed:
        return np.zeros((0, count), dtype=np.bool_)
    distinct = np.unique(np.concatenate(packed), axis=0)
    return np.unpackbits(distinct, axis=1, count=count).astype(np.bool_)


def _inside_a_neighbour(running: Mask) -> Mask:
    """Per piece of the day: is its set strictly inside the set of the piece before or after?"""
    inside = np.zeros(running.shape[1], dtype=np.bool_)
    if running.shape[1] > 1:
        now, later = running[:, :-1], running[:, 1:]
        inside[:-1] |= ~(now & ~later).any(axis=0) & (now != later).any(axis=0)
        inside[1:] |= ~(later & ~now).any(axis=0) & (now != later).any(axis=0)
    return inside


def _weekdays(seg_start: int, seg_end: int) -> range | list[int]:
    if seg_end - seg_start >= 7:
        return range(7)
    return sorted({date.fromordinal(d).weekday() for d in range(seg_start, seg_end)})


_CHUNK = 512


def distinct_rows(sets: Mask) -> Mask:
    """The distinct non-empty rows of `sets`, in order of their packed bytes."""
    width = sets.shape[1]
    sets = sets[sets.any(axis=1)]
    if not len(sets):
        return np.zeros((0, width), dtype=np.bool_)
    distinct = np.unique(np.packbits(sets, axis=1), axis=0)
    return np.unpackbits(distinct, axis=1, count=width).astype(np.bool_)


def maximal_rows(sets: Mask) -> npt.NDArray[np.intp]:
    """Indices (ascending) of the rows of `sets` (distinct) that no other row contains.

    Rows are taken largest first, in `_CHUNK`s, and each is compared only with the rows before
    the end of its chunk (a container is larger), so memory stays bounded and about half the
    pairs are never compared."""
    if len(sets) <= 1:
        return np.arange(len(sets))
    sizes = sets.sum(axis=1)
    order = np.argsort(-sizes, kind="stable")
    weights = sets[order].astype(np.float32)
    ranked = sizes[order]
    keep = np.ones(len(sets), dtype=np.bool_)
    for begin in range(0, len(sets), _CHUNK):
        end = min(begin + _CHUNK, len(sets))
        common = weights[begin:end] @ weights[:end].T  # |a & b|, exact in float32 here
        part = ranked[begin:end, None]
        contained = (common >= part) & (ranked[None, :end] > part)
        keep[begin:end] = ~contained.any(axis=1)
    return np.sort(order[keep])
