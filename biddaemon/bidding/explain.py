"""Render a decision record as readable lines, for `biddaemon history` and the logs.

Pure and forgiving: it reads only the record (never the database) and shows what is there, so a
record written by an older version still renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.000")

_OUTCOMES = {
    "ballot": "BALLOT",
    "unchanged": "UNCHANGED (not resubmitted)",
    "refused": "REFUSED",
}


def render_decision(record: Mapping[str, Any]) -> list[str]:
    """One headline, then assets, each bid with the numbers it came from, skips, refusals."""
    competition = record.get("competition") or {}
    lines = [
        f"competition {competition.get('id', '?')} ({competition.get('type', '?')}, "
        f"{competition.get('need_direction', '?')} need), closes "
        f"{competition.get('competition_close', '?')}",
        _headline(record),
    ]
    assets = record.get("assets") or {}
    if assets:
        lines.append(
            f"assets: flex {_ids(assets.get('flex'))}; planned {_ids(assets.get('planned'))} "
            f"({assets.get('capacity', '?')} MW in the need direction)"
        )
        lines.extend(
            f"  not included: {e.get('kind')} {e.get('id')}: {e.get('reason')}"
            for e in assets.get("excluded", ())
        )
    table = record.get("held") or {}
    for bid in record.get("bids", ()):
        lines.extend(_bid_lines(bid, table))
    lines.extend(
        f"skipped window {s.get('window_id')}: {s.get('reason')}" for s in record.get("skipped", ())
    )
    for rejected in record.get("rejected", ()):
        reasons = "; ".join(rejected.get("reasons", ()))
        lines.append(
            f"rejected proposal for window {rejected.get('window_id')}: {reasons} "
            f"({rejected.get('then', '')})"
        )
    lines.extend(f"note: {note}" for note in record.get("notes", ()))
    lines.extend(f"refused: {reason}" for reason in record.get("reasons", ()))
    error = record.get("error")
    if error:
        lines.append(
            f"strategy error: {error.get('type')}: {error.get('message')} at {error.get('where')}"
        )
    return lines


def _headline(record: Mapping[str, Any]) -> str:
    outcome = _OUTCOMES.get(str(record.get("outcome")), str(record.get("outcome")))
    parts = [f"decided {record.get('decided_at', '?')} by strategy {record.get('strategy', '?')}:"]
    parts.append(outcome)
    if record.get("supersedes"):
        parts.append(f"(supersedes {record['supersedes']})")
    if record.get("fingerprint"):
        parts.append(f"fingerprint {str(record['fingerprint'])[:12]}")
    parts.append(
        f"[safety margin {record.get('safety_margin', '?')}, overbooking "
        f"{'allowed' if record.get('allow_overbooking') else 'not allowed'}]"
    )
    return " ".join(parts)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def _ids(ids: Sequence[str] | None) -> str:
    return ", ".join(ids) if ids else "none"


def already_held(
    bid: Mapping[str, Any], table: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A bid's holdings per asset, `[{kind, asset_id, capacity, held_by: [holders]}]`, by kind
    and id: as a version 1 record stores them, or summed from the `held` table of a version 2
    record (one entry per holding) or a version 3 one (one group per holder and window, with
    its shares); ids the table does not have are skipped: the record shows what is there."""
    entries = bid.get("already_held") or ()
    if not entries or not isinstance(entries[0], str):
        return [dict(entry) for entry in entries]  # version 1
    totals: dict[tuple[str, str], tuple[Decimal, set[str]]] = {}
    for ident in entries:
        holding = table.get(ident)
        if holding is None:
            continue
        holder = str(holding.get("held_by"))
        shares = holding.get("shares")
        if shares is None:  # version 2: the entry is one holding
            shares = [[holding.get("kind"), holding.get("asset_id"), holding.get("capacity", "0")]]
        for kind, asset_id, capacity in shares:
            key = (str(kind), str(asset_id))
            total, holders = totals.get(key, (ZERO, set()))
            holders.add(holder)
            totals[key] = (total + Decimal(str(capacity)), holders)
    return [
        {"kind": k, "asset_id": a, "capacity": format(t, "f"), "held_by": sorted(h)}
        for (k, a), (t, h) in sorted(totals.items())
    ]


def _bid_lines(bid: Mapping[str, Any], table: Mapping[str, Mapping[str, Any]]) -> list[str]:
    window = bid.get("window") or {}
    days = ",".join(window.get("days", ()))
    rates = ", ".join(f"{kind} {value}" for kind, value in (bid.get("rates") or {}).items())
    runtime = bid.get("max_runtime") or "not sent"
    lines = [
        f"bid window {bid.get('window_id')} ({window.get('name') or 'unnamed'}, {days} "
        f"{window.get('start_time')}-{window.get('end_time')}, {window.get('start_date')} to "
        f"{window.get('end_date')} exclusive, needs {window.get('capacity_required')} MW): "
        f"{bid.get('capacity')} MW, {rates}, max runtime {runtime} [{bid.get('source')}]"
    ]
    basis = bid.get("basis") or {}
    if basis:
        lines.append("    from: " + ", ".join(f"{k} {_value(v)}" for k, v in basis.items()))
    shares = ", ".join(
        f"{s.get('kind')} {s.get('asset_id')} {s.get('capacity')}"
        for s in bid.get("allocation", ())
    )
    lines.append(
        f"    allocation: {shares or 'none'} (of {bid.get('available_capacity')} MW available)"
    )
    held = already_held(bid, table)
    if held:
        lines.append(
            "    already held: "
            + ", ".join(
                f"{h.get('kind')} {h.get('asset_id')} {h.get('capacity')} MW "
                f"({'; '.join(h.get('held_by', ()))})"
                for h in held
            )
        )
    out = bid.get("outages") or ()
    if out:
        lines.append(
            "    out (inventory): "
            + ", ".join(
                f"{o.get('kind')} {o.get('asset_id')} "
                + (
                    f"in {o['status']}"
                    if o.get("status")
                    else f"{o.get('mw')} MW {o.get('start')} to {o.get('end')}"
                )
                for o in out
            )
        )
    lines.extend(f"    {reduction}" for reduction in bid.get("reductions", ()))
    return lines
