"""The capacity already held, indexed by window schedule: what overlapping windows hold.

Holdings are kept per schedule and by hour of the week, so a window meets only the holdings
that touch one of its hours; each holding is kept as kW per asset, a record id and a record
entry built once when it is added, so a window adds them up (and its decision record names
them by id) without formatting anything. One index can serve a whole cycle
(`store.ledger.Ledger.holdings`): each query names the holders it ignores (the competition being
decided, and those the first-come-first-served rule lets it ignore).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from itertools import chain
from typing import Any

from biddaemon.bidding.overlap import (
    EVERY_WEEKDAY_SPAN,
    Pattern,
    pattern,
    patterns_overlap_day_by_day,
)
from biddaemon.strategy.snapshot import AssetKind, Commitment, Schedule

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


Row = tuple[AssetKey, str, int, bool, Decimal, str, list[str], str]
"""One holding: asset, holder, the MW held in whole kW rounded up, whether that is exact, the MW
held (a sum starting at ZERO, as every total is), the id of its group in decision records (one
holder's window), its share there (`[kind, asset id, MW]`, built once) and its window's id."""

Group = dict[str, Any]
"""A decision record's entry for what one holder holds in one window: `{"held_by", "window_id",
"shares": [[kind, asset id, MW], ...]}`; never changed once built (a new row makes a new one),
so a record that names it keeps what it was."""


def kilowatts_up(capacity: Decimal) -> tuple[int, bool]:
    """(whole kW rounded up, exact?): free capacity is rounded DOWN to whole kW, so what is
    held counts rounded UP; most holdings are whole kW already, and then ints are exact."""
    scaled = capacity.scaleb(3)
    whole = int(scaled)  # towards zero
    if whole == scaled:
        return whole, True
    return int(scaled.to_integral_value(rounding=ROUND_CEILING)), False


def megawatts(kilowatts: int) -> Decimal:
    return Decimal(kilowatts).scaleb(-3)  # exact, 3 places, like a quantised capacity


def _row(share: AssetShare, holder: str, group: str, window_id: str) -> Row:
    total = ZERO + share.capacity
    kilowatts, exact = kilowatts_up(total)
    entry = [share.kind, share.asset_id, format(total, "f")]
    return ((share.kind, share.asset_id), holder, kilowatts, exact, total, group, entry, window_id)


class _Entry:
    """Everything held in windows of one schedule, as rows appended, and by whom; also in the
    forms a query adds up without looking at each row twice (kW per asset, the record's groups
    and their ids), and the pattern's fields the overlap test reads first."""

    __slots__ = (
        "exact",
        "first",
        "holders",
        "ids",
        "kilowatts",
        "last",
        "pattern",
        "rows",
        "slots",
        "table",
    )

    def __init__(self, schedule_pattern: Pattern) -> None:
        self.pattern = schedule_pattern
        self.first, self.last = schedule_pattern.first, schedule_pattern.last
        self.slots = schedule_pattern.week_slots
        self.rows: list[Row] = []
        self.holders: set[str] = set()
        self.exact = True  # every row is a whole number of kW
        self.kilowatts: list[tuple[AssetKey, int]] = []
        self.ids: list[str] = []  # group ids, in the order first held
        self.table: dict[str, Group] = {}

    def extend(self, rows: list[Row]) -> None:
        """Hold `rows`, all of one group (one holder's window)."""
        self.rows.extend(rows)
        first = rows[0]
        self.holders.add(first[1])
        self.kilowatts.extend([(row[0], row[2]) for row in rows])
        group = self.table.get(first[5])
        shares = [row[6] for row in rows]
        if group is None:
            self.ids.append(first[5])
            self.table[first[5]] = {"held_by": first[1], "window_id": first[7], "shares": shares}
        else:  # a new group: a record that names the old one keeps it as it was
            self.table[first[5]] = {**group, "shares": group["shares"] + shares}
        if not all(row[3] for row in rows):
            self.exact = False

    def keep(self, rows: list[Row]) -> None:
        """Keep only `rows` (a release)."""
        self.rows, self.holders, self.exact = [], set(), True
        self.kilowatts, self.ids, self.table = [], [], {}
        for row in rows:
            self.extend([row])


class Collected:
    """What windows overlapping one window hold of the ballot's assets: kW per asset, and the
    groups of holdings by id (for the record). Only holdings of the ballot's assets are kept."""

    __slots__ = ("ids", "inexact", "kilowatts", "rows")

    def __init__(self) -> None:
        self.kilowatts: dict[AssetKey, int] = {}
        self.ids: list[str] = []
        self.inexact: list[Row] = []  # rows that are not whole kW: summed exactly, in Decimal
        self.rows: dict[str, Group] = {}  # group id -> its record entry, for the ballot's table


class Holdings:
    """Capacity held per window schedule, so overlap is tested once per schedule (not per asset),
    and only for schedules touching one of the same hours of the week.

    Built once and kept up to date (`add`, `add_commitment`, `release`), it can serve every
    decision of a cycle: a query names the holders to ignore (the competition being decided,
    whose own holdings are being replaced, and any the first-come-first-served rule lets it
    ignore).
    """

    def __init__(
        self,
        commitments: Iterable[Commitment] = (),
        *,
        exclude_competition: str | None = None,
    ) -> None:
        self._entries: dict[Schedule, _Entry] = {}
        self._by_week_hour: list[list[_Entry]] = [[] for _ in range(7 * 24)]
        self._by_holder: dict[str, dict[Schedule, _Entry]] = {}
        self._assets: dict[AssetKey, int] = {}  # rows per asset
        # per holder: the entries each of its group ids is in (one, unless a window changed)
        self._seen: dict[str, dict[str, list[_Entry]]] = {}
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
            window_id=commitment.window_id,
        )

    def add(
        self,
        schedule: Schedule,
        key: AssetKey,
        capacity: Decimal,
        holder: str,
        *,
        window_id: str = "",
    ) -> None:
        self.add_shares(
            schedule, (AssetShare(key[0], key[1], capacity),), holder, window_id=window_id
        )

    def add_shares(
        self,
        schedule: Schedule,
        shares: Iterable[AssetShare],
        holder: str,
        *,
        window_id: str = "",
    ) -> None:
        """Hold every share of one bid in `schedule` for `holder` (one index lookup)."""
        entry = self._entry(schedule)
        group = self._group_id(entry, holder, window_id)
        rows = [_row(share, holder, group, window_id) for share in shares]
        if not rows:
            return
        entry.extend(rows)
        assets = self._assets
        for row in rows:
            assets[row[0]] = assets.get(row[0], 0) + 1
        self._by_holder.setdefault(holder, {})[schedule] = entry

    def _group_id(self, entry: _Entry, holder: str, window_id: str) -> str:
        """`holder|window`, the same whichever index holds it; the rare window held under two
        schedules (it changed between two live ballots) gets a suffix in the second."""
        base = f"{holder}|{window_id}"
        given = self._seen.setdefault(holder, {})
        entries = given.setdefault(base, [])
        for number, known in enumerate(entries):
            if known is entry:
                return f"{base}#{number}" if number else base
        entries.append(entry)
        return f"{base}#{len(entries) - 1}" if len(entries) > 1 else base

    def _entry(self, schedule: Schedule) -> _Entry:
        entry = self._entries.get(schedule)
        if entry is None:
            entry = self._entries[schedule] = _Entry(pattern(schedule))
            for hour in entry.pattern.week_hours:
                self._by_week_hour[hour].append(entry)
        return entry

    def release(self, holder: str) -> None:
        """Forget everything `holder` holds (its ballot was rejected, replaced or finished)."""
        self._seen.pop(holder, None)
        for entry in self._by_holder.pop(holder, {}).values():
            for row in entry.rows:
                if row[1] == holder:
                    left = self._assets[row[0]] - 1
                    if left:
                        self._assets[row[0]] = left
                    else:
                        del self._assets[row[0]]
            entry.keep([row for row in entry.rows if row[1] != holder])

    def only_of(self, assets: Collection[AssetKey]) -> bool:
        """Is every asset held here one of `assets`? (Then a query need not filter by asset.)"""
        return all(key in assets for key in self._assets)

    def collect(
        self,
        mine: Pattern,
        capacity: Mapping[AssetKey, int],
        into: Collected,
        *,
        exclude: Collection[str] = (),
        every_asset: bool | None = None,
    ) -> None:
        """Add to `into` what windows overlapping `mine` hold of the assets in `capacity`.

        `every_asset`: whether `only_of(capacity)` holds (a caller asking for many windows of
        one ballot works it out once)."""
        buckets = self._by_week_hour
        hours = mine.week_hours
        candidates: Iterable[_Entry]
        if len(hours) == 1:
            (hour,) = hours
            candidates = buckets[hour]
        else:  # one entry may touch several of our hours: meet each once, in a fixed order
            candidates = dict.fromkeys(chain.from_iterable([buckets[hour] for hour in hours]))
        slots, first, last = mine.week_slots, mine.first, mine.last
        kilowatts, ids, table = into.kilowatts, into.ids, into.rows
        get = kilowatts.get
        if every_asset is None:
            every_asset = self.only_of(capacity)
        for entry in candidates:
            common = (last if last < entry.last else entry.last) - (
                first if first > entry.first else entry.first
            )
            if common < 0:  # a day apart at least: never (patterns_overlap's first test)
                continue
            if slots and entry.slots and common >= EVERY_WEEKDAY_SPAN:
                if not slots & entry.slots:
                    continue
            elif not patterns_overlap_day_by_day(mine, entry.pattern):
                continue
            if (
                every_asset
                and entry.exact
                and not (exclude and not entry.holders.isdisjoint(exclude))
            ):
                for key, part in entry.kilowatts:  # the hot loop: one dict update per holding
                    kilowatts[key] = get(key, 0) + part
                ids.extend(entry.ids)
                table.update(entry.table)
                continue
            kept: dict[str, Group] = {}  # the groups as far as they hold the ballot's assets
            for row in entry.rows:
                key = row[0]
                if key in capacity and row[1] not in exclude:
                    kilowatts[key] = get(key, 0) + row[2]
                    group = kept.get(row[5])
                    if group is None:
                        group = kept[row[5]] = {"held_by": row[1], "window_id": row[7]}
                        group["shares"] = []
                        ids.append(row[5])
                    group["shares"].append(row[6])
                    if not row[3]:
                        into.inexact.append(row)
            table.update(kept)

    def held(
        self,
        schedule: Schedule,
        assets: Iterable[AssetKey],
        *,
        exclude: str | Collection[str] | None = None,
    ) -> dict[AssetKey, Held]:
        """Per asset (of `assets`), the total held in windows overlapping `schedule`."""
        ignored = (exclude,) if isinstance(exclude, str) else (exclude or ())
        into = Collected()
        self.collect(pattern(schedule), dict.fromkeys(assets, 0), into, exclude=ignored)
        totals: dict[AssetKey, tuple[Decimal, set[str]]] = {}
        for ident in into.ids:
            group = into.rows[ident]
            for kind, asset_id, held in group["shares"]:
                key = (kind, asset_id)
                total, holders = totals.get(key, (ZERO, set()))
                holders.add(group["held_by"])
                totals[key] = (total + Decimal(held), holders)
        return {
            key: Held(key[0], key[1], total, tuple(sorted(holders)))
            for key, (total, holders) in totals.items()
        }
