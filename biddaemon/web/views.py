"""What each page shows, asked of the store and shaped for its template (no markup here).

Each function takes an open session and returns a plain dict for one template. The competition
pages read `store.history`, the same records and one-line summaries `biddaemon history` prints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from biddaemon.bidding.explain import render_decision
from biddaemon.bidding.value import DAY_NAMES, accepted_value, window_hours
from biddaemon.scheduler import OPPORTUNITIES, RESULTS, allowed_ages
from biddaemon.settings import Settings
from biddaemon.store import dashboard_queries as dq
from biddaemon.store import history, queries
from biddaemon.store.models import OutcomeStatus
from biddaemon.web.charts import HOURS_IN_WEEK, Bucket, HeatmapRow, heatmap, time_chart
from biddaemon.web.http import LiveFacts

GB = ZoneInfo("Europe/London")
PAGE_SIZE = 50
DAILY_UP_TO_DAYS = 60
STATE_ORDER = ("unknown", "rejected", "submitting", "submitted", "draft", "superseded")


def overview(
    session: Session, settings: Settings, live: LiveFacts, now: datetime
) -> dict[str, Any]:
    """Role, each job's last run and health, ballots by state (trouble first), next runs."""
    ages = allowed_ages(settings)
    summaries = {s.job: s for s in queries.job_summaries(session)}
    jobs = []
    for name in sorted(set(ages) | set(summaries)):
        summary = summaries.get(name)
        allowed = ages.get(name)
        last_success = summary.last_success_at if summary else None
        healthy = (
            None
            if allowed is None
            else (last_success is not None and now - last_success <= allowed)
        )
        jobs.append(
            {
                "job": name,
                "last_run": summary.last_started_at if summary else None,
                "status": summary.last_status.value if summary else "never run",
                "last_success": last_success,
                "error": summary.last_error if summary else None,
                "allowed": allowed,
                "healthy": healthy,
            }
        )
    counts = {state.value: n for state, n in queries.ballots_by_state(session).items()}
    states = [(s, counts.get(s, 0)) for s in STATE_ORDER if s in counts]
    return {
        "role": live.role(),
        "halted": live.halted(),
        "jobs": jobs,
        "states": states,
        "attention": dq.ballots_needing_attention(session),
        "next_runs": _next_runs(settings, live, summaries, now),
        "next_runs_estimated": live.next_runs is None,
        "competitions": dq.competition_counts(session),
    }


def _next_runs(
    settings: Settings,
    live: LiveFacts,
    summaries: Mapping[str, queries.JobSummary],
    now: datetime,
) -> list[tuple[str, datetime | None]]:
    """The scheduler's next runs, or (no scheduler in this process) what the settings imply."""
    if live.next_runs is not None:
        return live.next_runs()
    interval = timedelta(seconds=settings.poll.opportunities_interval_seconds)
    # A copy of a database, or the demo's simulated days, may run ahead of this clock.
    latest = max([now, *(s.last_started_at for s in summaries.values())])
    last = summaries.get(OPPORTUNITIES)
    polled = max(last.last_started_at + interval, now) if last else latest
    at = settings.poll.results_time_utc
    results = datetime.combine(latest.date(), at, UTC)
    results = results if results > latest else results + timedelta(days=1)
    return [(OPPORTUNITIES, polled), (RESULTS, results)]


def competitions(session: Session, page: int) -> dict[str, Any]:
    """One row per competition, latest close first, a page at a time (a year is hundreds)."""
    total = history.competition_count(session)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    records = history.competition_history(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows = []
    for record in records:
        summary = history.summary_row(record)
        latest = record["ballots"][-1]["state"] if record["ballots"] else None
        rows.append(
            {
                **summary,
                "name": record["name"],
                "operator": record["operator"],
                "type": record["type"],
                "status": record["status"],
                "ballot_state": latest,
            }
        )
    return {"rows": rows, "page": page, "pages": pages, "total": total}


def competition(session: Session, competition_id: str) -> dict[str, Any] | None:
    """The full record of one competition, as `biddaemon history --competition ID` prints it."""
    records = history.competition_history(session, competition_id)
    if not records:
        return None
    record = records[0]
    ballots = [
        {**ballot, "decision_lines": render_decision(ballot["decision"] or {})}
        for ballot in record["ballots"]
    ]
    last_decision = record["last_decision"]
    return {
        "record": record,
        "summary": history.summary_row(record),
        "ballots": ballots,
        "last_decision_lines": render_decision(last_decision) if last_decision else [],
    }


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def commitments(session: Session, week: date | None, now: datetime) -> dict[str, Any]:
    """Per asset, MW promised in each hour of one week (GB local), open and accepted apart."""
    today = now.astimezone(GB).date()
    if week is None:
        first = dq.first_held_date(session, today)
        week = week_start(max(today, first) if first else today)
    week = week_start(week)
    after = week + timedelta(days=7)
    slots = dq.held_between(session, week, after)
    hours = _hours_of(slots, week)
    holders: dict[tuple[str, str], list[set[str]]] = defaultdict(
        lambda: [set() for _ in range(HOURS_IN_WEEK)]
    )
    for slot, touched in zip(slots, hours, strict=True):
        for hour in touched:
            holders[(slot.asset_kind, slot.asset_id)][hour].add(slot.competition_id)
    maps = {}
    for accepted, title in ((False, "Open competitions"), (True, "Accepted")):
        chosen = [(s, h) for s, h in zip(slots, hours, strict=True) if s.accepted is accepted]
        maps[title] = heatmap(_rows(chosen, holders))
    twice = sum(cell.twice for chart in maps.values() for cell in chart.cells)
    return {
        "week": week,
        "previous": week - timedelta(days=7),
        "next": after,
        "maps": maps,
        "twice": twice,
        "assets": len({(s.asset_kind, s.asset_id) for s in slots}),
    }


def _hours_of(slots: list[dq.HeldSlot], week: date) -> list[set[int]]:
    """The hours each slot touches; slots of one window (one per asset) share the answer."""
    known: dict[tuple[Any, ...], set[int]] = {}
    found = []
    for slot in slots:
        key = (slot.start_date, slot.end_date, slot.start_time, slot.end_time, slot.days)
        if key not in known:
            known[key] = _hours(slot, week)
        found.append(known[key])
    return found


def _rows(
    chosen: list[tuple[dq.HeldSlot, set[int]]],
    holders: dict[tuple[str, str], list[set[str]]],
) -> list[HeatmapRow]:
    """One heatmap row per asset; an hour is marked when two competitions hold the asset."""
    mw: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * HOURS_IN_WEEK)
    for slot, touched in chosen:
        row = mw[(slot.asset_kind, slot.asset_id)]
        for hour in touched:
            row[hour] += slot.capacity
    rows = []
    for key in sorted(mw):
        kind, asset = key
        held, by = mw[key], holders[key]
        titles = [
            f"{asset} {DAY_NAMES[h // 24]} {h % 24:02d}:00: {held[h]} MW "
            f"({', '.join(sorted(by[h]))})"
            if held[h]
            else ""
            for h in range(HOURS_IN_WEEK)
        ]
        twice = [len(by[h]) > 1 for h in range(HOURS_IN_WEEK)]
        rows.append(HeatmapRow(f"{asset} ({kind})", held, titles, twice))
    return rows


def _hours(slot: dq.HeldSlot, week: date) -> set[int]:
    """Hours of the week (0 = Monday 00:00 local) that the slot's window touches."""
    hours: set[int] = set()
    start = slot.start_time.hour * 60 + slot.start_time.minute
    end = slot.end_time.hour * 60 + slot.end_time.minute
    length = end - start if end > start else end + 24 * 60 - start
    for offset in range(-1, 7):  # a window from Sunday night runs into Monday
        day = week + timedelta(days=offset)
        if not (slot.start_date <= day < slot.end_date) or DAY_NAMES[day.weekday()] not in (
            slot.days
        ):
            continue
        first = offset * 24 * 60 + start
        for minute in range(first - first % 60, first + length, 60):
            if 0 <= minute < HOURS_IN_WEEK * 60:
                hours.add(minute // 60)
    return hours


def results(session: Session) -> dict[str, Any]:
    """Accepted and rejected bids and accepted value over time (by day over a short span, by
    week over a long one), and the acceptance rate by operator."""
    rows = dq.outcome_rows(session)
    days = [row.recorded_at.astimezone(GB).date() for row in rows]
    weekly = bool(days) and (max(days) - min(days)).days > DAILY_UP_TO_DAYS
    buckets: dict[date, list[Any]] = {}
    hours_of: dict[tuple[Any, ...], Decimal] = {}
    total_value = Decimal(0)
    for row, day in zip(rows, days, strict=True):
        bucket = buckets.setdefault(week_start(day) if weekly else day, [0, 0, Decimal(0)])
        if row.status is OutcomeStatus.ACCEPTED:
            bucket[0] += 1
            value = _value(row, hours_of)
            bucket[2] += value
            total_value += value
        else:
            bucket[1] += 1
    series = []
    if buckets:
        step = timedelta(days=7 if weekly else 1)
        period, last = min(buckets), max(buckets)
        while period <= last:  # periods without outcomes are drawn as gaps, not skipped
            accepted, rejected, value = buckets.get(period, [0, 0, Decimal(0)])
            series.append(Bucket(f"{period:%d %b %y}", accepted, rejected, value))
            period += step
    return {
        "chart": time_chart(series) if series else None,
        "period": "week" if weekly else "day",
        "operators": dq.acceptance_by_operator(session),
        "accepted": sum(b.accepted for b in series),
        "rejected": sum(b.rejected for b in series),
        "value": total_value.quantize(Decimal("0.01")),
    }


def _value(row: dq.OutcomeRow, hours_of: dict[tuple[Any, ...], Decimal]) -> Decimal:
    if None in (row.start_time, row.end_time, row.start_date, row.end_date):
        return Decimal(0)  # an outcome for a window we no longer know: no hours to count
    key = (row.start_time, row.end_time, tuple(row.days or ()), row.start_date, row.end_date)
    hours = hours_of.get(key)
    if hours is None:  # every bid of a window shares its hours: count them once
        hours = hours_of[key] = window_hours(
            row.start_time or time(0),
            row.end_time or time(0),
            row.days or [],
            row.start_date or date.min,
            row.end_date or date.min,
        )
    return accepted_value(row.capacity, row.availability_rate, row.service_fee_rate, hours)


def banner(session: Session, settings: Settings) -> bool:
    """Whether to banner the page as a dry run (the settings, or the database's rows, say so)."""
    return settings.dry_run or dq.latest_run_is_dry(session)
