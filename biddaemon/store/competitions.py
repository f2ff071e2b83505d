"""The only code that writes competitions, their periods and windows, observations and decisions.

Operations work in the caller's session and transaction. A competition is stored as the market
describes it now, whatever it renumbered, moved or removed; what changed under a ballot we sent
is kept as a `CompetitionEvent` so `history` can show it. An observation is written in its own
savepoint, so one that cannot be stored is kept out with its reason and the others are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from biddaemon.errors import BadMarketData
from biddaemon.store.competition_changes import competition_changes, window_changes, window_shape
from biddaemon.store.models import (
    Ballot,
    BallotState,
    Bid,
    CompetitionEvent,
    OpportunityObservation,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.store.models import Competition as StoredCompetition
from biddaemon.store.storable import amount_problem, safe_text, why

if TYPE_CHECKING:
    from biddaemon.markets.piclo import BiddingOpportunity, Competition

# Ballots that left, or may have left: the market may hold them, so we "bid into" the competition.
SENT = (
    BallotState.SUBMITTING,
    BallotState.SUBMITTED,
    BallotState.UNKNOWN,
    BallotState.SUPERSEDED,
)


# -- observations -----------------------------------------------------------------------------


def record_observation(
    session: Session, opportunity: BiddingOpportunity, now: datetime, *, dry_run: bool
) -> str | None:
    """Store one listed opportunity in its own savepoint; None, or why it is not stored as is.

    A total capacity the MW column cannot hold exactly is left out (NULL) and the reason kept on
    the row; a row that cannot be stored at all is rolled back alone, and the reason returned.
    """
    problem = amount_problem(opportunity.total_capacity)
    reason = (
        f"total_capacity {safe_text(opportunity.total_capacity)} {problem}: not stored"
        if problem
        else None
    )
    try:
        with session.begin_nested():
            session.add(
                OpportunityObservation(
                    competition_id=opportunity.competition_id,
                    observed_at=now,
                    flex_asset_ids=list(opportunity.assets.flex),
                    planned_asset_ids=list(opportunity.assets.planned),
                    total_capacity=None if problem else opportunity.total_capacity,
                    error=reason,
                    dry_run=dry_run,
                )
            )
    except (SQLAlchemyError, ValueError, TypeError) as exc:
        return f"observation not stored: {why(exc)}"
    return reason


# -- competitions -----------------------------------------------------------------------------


def save_competition(
    session: Session, competition: Competition, now: datetime, *, dry_run: bool = False
) -> list[str]:
    """Upsert the competition, its periods and windows as the market describes them now.

    Periods and windows are matched by id across the whole competition (a window may move to a
    renumbered period); those the market no longer lists are deleted. Returns what changed under
    a ballot we sent, each also kept as a `CompetitionEvent`. Raises BadMarketData (the caller
    skips this competition) for a window capacity the store cannot hold exactly.
    """
    check_storable(competition)
    row = session.get(StoredCompetition, competition.id)
    changes: list[tuple[str, str | None, str]] = []
    created = row is None
    if row is None:
        row = StoredCompetition(id=competition.id, first_observed_at=now, done=False)
        session.add(row)
    else:
        changes.extend(competition_changes(row, competition))
    row.reference = competition.reference
    row.name = competition.name
    row.operator_name = competition.operator_name
    row.type = str(competition.type)
    row.need_direction = competition.need_direction.value
    row.status = competition.status.value
    row.competition_open = competition.competition_open
    row.competition_close = competition.competition_close
    row.raw = competition.to_wire()
    row.observed_at = now
    if not (created and _insert_new_periods(session, competition)):
        changes.extend(_store_periods(session, competition))
    if changes:  # only then ask which windows we bid for: the common cycle changes nothing
        bid_windows = windows_we_bid(session, competition.id)
        changes = [
            change
            for change in changes
            if (change[1] in bid_windows if change[0].startswith("window") else bid_windows)
        ]
    for kind, subject, detail in changes:
        add_event(session, competition.id, kind, detail, now, subject=subject, dry_run=dry_run)
    session.flush()
    session.expire(row, ["periods", "events"])
    return [detail for _, _, detail in changes]


def check_storable(competition: Competition) -> None:
    """Raise BadMarketData (the caller skips this competition) for a window capacity the store
    cannot hold exactly; pure, so the cycle can refuse it before deciding anything."""
    problems = [
        f"service window {safe_text(w.id, 64)} capacity_required {safe_text(w.capacity_required)}"
        f" {problem}"
        for w in competition.windows
        if (problem := amount_problem(w.capacity_required))
    ]
    if problems:
        raise BadMarketData(
            "; ".join(problems), field="capacity_required", competition_id=competition.id
        )


def _insert_new_periods(session: Session, competition: Competition) -> bool:
    """A competition seen for the first time: its periods and windows as two multi-row INSERTs
    (the common case, and the ORM's per-object work was most of its cost). False, and nothing
    written, when one of their ids is stored under another competition (then matched by id)."""
    period_ids = [p.id for p in competition.service_periods]
    window_ids = [w.id for w in competition.windows]
    if len(set(period_ids)) != len(period_ids) or len(set(window_ids)) != len(window_ids):
        return False  # an id listed twice: matched by id, the last one wins
    for model, ids in ((ServicePeriod, period_ids), (ServiceWindow, window_ids)):
        if session.scalar(select(model.id).where(model.id.in_(ids)).limit(1)) is not None:
            return False
    session.flush()  # the competition row, which they reference
    if competition.service_periods:
        session.execute(
            insert(ServicePeriod),
            [
                {
                    "id": period.id,
                    "competition_id": competition.id,
                    "name": period.name,
                    "start_date": period.start_date,
                    "end_date": period.end_date,
                }
                for period in competition.service_periods
            ],
        )
    rows = [
        {
            "id": window.id,
            "competition_id": competition.id,
            "service_period_id": period.id,
            "name": window.name,
            "start_time": window.start_time,
            "end_time": window.end_time,
            "days": [day.value for day in window.days],
            "bank_holidays": window.bank_holidays.value,
            "capacity_required": window.capacity_required,
        }
        for period in competition.service_periods
        for window in period.service_windows
    ]
    if rows:
        session.execute(insert(ServiceWindow), rows)
    return True


def _store_periods(session: Session, competition: Competition) -> list[tuple[str, str | None, str]]:
    competition_id = competition.id
    wanted_periods = {p.id for p in competition.service_periods}
    wanted_windows = {w.id for w in competition.windows}
    periods: dict[str, ServicePeriod] = _by_id(
        session, ServicePeriod, ServicePeriod.competition_id == competition_id, wanted_periods
    )
    windows: dict[str, ServiceWindow] = _by_id(
        session, ServiceWindow, ServiceWindow.competition_id == competition_id, wanted_windows
    )
    before = {
        window_id: window_shape(window, periods.get(window.service_period_id))
        for window_id, window in windows.items()
        if window.competition_id == competition_id
    }
    old_periods = [p for p in periods.values() if p.competition_id == competition_id]
    for period in competition.service_periods:
        stored = _row(session, periods, ServicePeriod, period.id)
        stored.competition_id = competition_id
        stored.name = period.name
        stored.start_date = period.start_date
        stored.end_date = period.end_date
        for window in period.service_windows:
            stored_window = _row(session, windows, ServiceWindow, window.id)
            stored_window.competition_id = competition_id
            stored_window.service_period_id = period.id
            stored_window.name = window.name
            stored_window.start_time = window.start_time
            stored_window.end_time = window.end_time
            stored_window.days = [day.value for day in window.days]
            stored_window.bank_holidays = window.bank_holidays.value
            stored_window.capacity_required = window.capacity_required
    gone_windows = [w for window_id, w in windows.items() if window_id not in wanted_windows]
    gone_periods = [p for p in old_periods if p.id not in wanted_periods]
    if gone_windows or gone_periods:
        # Moves first, so a period's delete cascades only to the windows it still holds.
        session.flush()
        for gone_window in gone_windows:
            session.delete(gone_window)
        session.flush()
        for gone_period in gone_periods:
            session.expire(gone_period, ["windows"])
            session.delete(gone_period)
        session.flush()
        for period_id in wanted_periods:
            session.expire(periods[period_id], ["windows"])
    return list(window_changes(before, competition))


def _by_id(session: Session, model: Any, ours: Any, wanted: set[str]) -> dict[str, Any]:
    """Rows of this competition (by its index), plus any wanted id stored under another one."""
    found = {row.id: row for row in session.scalars(select(model).where(ours))}
    elsewhere = wanted - set(found)
    if elsewhere:
        found.update(
            (row.id, row) for row in session.scalars(select(model).where(model.id.in_(elsewhere)))
        )
    return found


def windows_we_bid(session: Session, competition_id: str) -> set[str]:
    """Windows of `competition_id` that a ballot we sent (or may have sent) bid for."""
    return set(
        session.scalars(
            select(Bid.service_window_id)
            .join(Ballot, Ballot.id == Bid.ballot_id)
            .where(Ballot.competition_id == competition_id, Ballot.state.in_(SENT))
            .distinct()
        )
    )


def bid_into_but_not_listed(session: Session, listed: Iterable[str]) -> list[str]:
    """Competitions we bid into, last seen open and not finished, that the list no longer shows.

    They closed early, were cancelled, or we stopped qualifying: the caller reads each once more.
    """
    shown = set(listed)
    candidates = session.scalars(
        select(StoredCompetition.id)
        .where(StoredCompetition.done.is_(False), StoredCompetition.status == "open")
        .where(
            StoredCompetition.id.in_(
                select(Ballot.competition_id).where(Ballot.state.in_(SENT)).distinct()
            )
        )
        .order_by(StoredCompetition.competition_close, StoredCompetition.id)
    )
    return [competition_id for competition_id in candidates if competition_id not in shown]


# -- decisions --------------------------------------------------------------------------------


def save_decision(
    session: Session, competition_id: str, record: dict[str, Any], now: datetime
) -> None:
    """Keep the latest decision for a competition (bid or not), for `history`."""
    row = session.get_one(StoredCompetition, competition_id)
    row.last_decision = record
    row.last_decided_at = now


def add_event(
    session: Session,
    competition_id: str,
    kind: str,
    detail: str,
    now: datetime,
    *,
    subject: str | None = None,
    dry_run: bool = False,
) -> None:
    """Record one thing worth showing in `history` about a stored competition."""
    session.add(
        CompetitionEvent(
            competition_id=competition_id,
            at=now,
            kind=kind,
            subject=None if subject is None else safe_text(subject, 64),
            detail=safe_text(detail, 2000),
            dry_run=dry_run,
        )
    )


_Row = TypeVar("_Row", ServicePeriod, ServiceWindow)


def _row(session: Session, rows: dict[str, _Row], model: type[_Row], row_id: str) -> _Row:
    """The stored row with this market id, or a new one added to the session: matched by id
    across the whole competition, so a renumbered period or a moved window is updated in place."""
    row = rows.get(row_id)
    if row is None:
        row = rows[row_id] = model(id=row_id)
        session.add(row)
    return row
