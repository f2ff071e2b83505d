"""The decision record: what was decided for one competition and every number it came from.

A plain JSON-ready dict (Decimals as strings, dates ISO, runtimes `[D]THH:MM:SS`) that the daemon
stores in `Ballot.decision` and `biddaemon history` shows. Its bids also carry each window's
schedule and the per-asset allocation, which is all the daemon needs to rebuild the commitments
of live ballots (`commitments_from_record`) for the next competition's decision.

    {"version": 3, "outcome": "ballot" | "unchanged" | "refused", "reasons": [...],
     "competition": {"id", "type", "need_direction", "status", "competition_open",
                     "competition_close", "guide_prices": {rate type: str | None}},
     "decided_at", "strategy", "safety_margin", "allow_overbooking",
     "supersedes", "fingerprint", "content_fingerprint", "error": {...} | None,
     "assets": {"flex": [...], "planned": [...], "capacity", "excluded": [{kind, id, reason}]},
     "bids": [{"window_id", "window": {schedule, bank_holidays, capacity_required}, "source",
               "capacity", "proposed_capacity", "rates", "proposed_rates", "max_runtime",
               "basis": {...}, "available_capacity", "allocation": [{kind, asset_id, capacity}],
               "already_held": [group id, ...], "reductions": [...]}],
     "held": {group id: {"held_by", "window_id", "shares": [[kind, asset_id, capacity], ...]}},
     "skipped": [{"window_id", "reason"}],
     "rejected": [{"window_id", "reasons": [...], "then": "..."}],
     "notes": [...]}

Version 3 lists, once per ballot in `held`, what each holder holds in each window that
overlaps one of the ballot's (a group: `held_by`, its `window_id`, and its shares of the
ballot's assets), and each bid names the groups overlapping its window by id (`holder|window`):
the per-asset totals are sums of those, worked out when shown. Version 2 had one entry per
holding (`{kind, asset_id, capacity, held_by}`, each bid naming every one): for a 200-asset
fleet that made a record of up to 390 KB, written every cycle. Version 1 had no `held`, and each
bid's `already_held` was the per-asset totals: `[{kind, asset_id, capacity, held_by:
[holders]}]`, which cost more to build than deciding the window. Every version still stored
renders (`explain.already_held`) and gives the same commitments (which read only `allocation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from biddaemon.bidding.rules import format_runtime
from biddaemon.strategy.snapshot import (
    DAYS,
    RATE_TYPES,
    Commitment,
    CompetitionSnapshot,
    Schedule,
    WindowSpec,
)

RECORD_VERSION: Final = 3
_NO_TIME: Final = timedelta(0)


def jsonable(value: object) -> Any:
    """Decimals as exact strings, times ISO, runtimes `[D]THH:MM:SS`, sets as sorted lists."""
    kind = type(value)  # the common exact types first: records are built for every window
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is Decimal:
        return format(value, "f")
    if kind is dict or kind is MappingProxyType:
        return {
            key if type(key) is str else str(key): (
                item
                if (item_kind := type(item)) is str or item_kind is bool or item is None
                else format(item, "f")
                if item_kind is Decimal
                else jsonable(item)
            )
            for key, item in value.items()  # type: ignore[attr-defined]
        }
    if kind is timedelta and isinstance(value, timedelta):
        return format_runtime(value) if value >= _NO_TIME else f"-{format_runtime(-value)}"
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_runtime(value) if value >= timedelta(0) else f"-{format_runtime(-value)}"
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(jsonable(item) for item in value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return repr(value)


def window_entry(window: WindowSpec) -> dict[str, Any]:
    return {
        "name": window.name,
        "period_id": window.period_id,
        "start_date": window.start_date.isoformat(),
        "end_date": window.end_date.isoformat(),
        "start_time": window.start_time.isoformat(),
        "end_time": window.end_time.isoformat(),
        "days": [day for day in DAYS if day in window.days],
        "bank_holidays": window.bank_holidays,
        "capacity_required": jsonable(window.capacity_required),
    }


def schedule_from_entry(entry: Mapping[str, Any]) -> Schedule:
    return Schedule(
        start_date=date.fromisoformat(entry["start_date"]),
        end_date=date.fromisoformat(entry["end_date"]),
        start_time=time.fromisoformat(entry["start_time"]),
        end_time=time.fromisoformat(entry["end_time"]),
        days=frozenset(entry["days"]),
    )


def commitments_from_record(record: Mapping[str, Any]) -> tuple[Commitment, ...]:
    """The capacity a stored decision promises, per asset and window.

    The daemon calls this for the decision of every OTHER competition's ballot that is still
    live (submitting, submitted or unknown, and not superseded, rejected or finished) or whose
    bids were accepted, and passes the union as `StrategyInput.commitments`. A refused decision
    promises nothing.
    """
    if record.get("outcome") not in ("ballot", "unchanged"):
        return ()
    competition_id = str(record["competition"]["id"])
    found: list[Commitment] = []
    for bid in record.get("bids", ()):
        schedule = schedule_from_entry(bid["window"])
        for share in bid.get("allocation", ()):
            found.append(
                Commitment(
                    asset_id=str(share["asset_id"]),
                    competition_id=competition_id,
                    window_id=str(bid["window_id"]),
                    schedule=schedule,
                    capacity=Decimal(share["capacity"]),
                    kind=share["kind"],
                )
            )
    return tuple(found)


def competition_entry(competition: CompetitionSnapshot) -> dict[str, Any]:
    """The competition as decided on: its type, status, times and guide prices."""
    return {
        "id": competition.id,
        "type": competition.type,
        "need_direction": competition.need_direction,
        "status": competition.status,
        "competition_open": jsonable(competition.competition_open),
        "competition_close": jsonable(competition.competition_close),
        "guide_prices": {t: jsonable(competition.guide_price(t)) for t in RATE_TYPES},
    }
