"""Read-only questions the dashboard pages ask, answered with a few aggregated queries each.

A page must render in well under 200 ms on a year of hourly cycles, so nothing here reads a
table whole: counts are grouped in SQL, lists are bounded, the week's commitments are filtered
to the week, and the results read only the columns a chart needs (no ORM entities, no JSON).
The history of one competition comes from `store.history`, shared with `biddaemon history`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from biddaemon.store.ledger import LIVE, held_rows
from biddaemon.store.models import (
    Allocation,
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    Competition,
    JobRun,
    OutcomeStatus,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.store.queries import aware

ATTENTION = (BallotState.UNKNOWN, BallotState.REJECTED)


@dataclass(frozen=True)
class AttentionBallot:
    """A ballot an operator should look at: in doubt (UNKNOWN) or refused by the market."""

    ballot_id: int
    competition_id: str
    competition_name: str | None
    state: BallotState
    reason: str | None
    updated_at: datetime
    dry_run: bool


def ballots_needing_attention(session: Session, limit: int = 25) -> list[AttentionBallot]:
    """UNKNOWN ballots first, then REJECTED ones, the latest first within each."""
    unknown_first = case((Ballot.state == BallotState.UNKNOWN, 0), else_=1)
    rows = session.execute(
        select(
            Ballot.id,
            Ballot.competition_id,
            Competition.name,
            Ballot.state,
            func.coalesce(Ballot.doubt_reason, Ballot.rejection_text),
            Ballot.updated_at,
            Ballot.dry_run,
        )
        .join(Competition, Competition.id == Ballot.competition_id)
        .where(Ballot.state.in_(ATTENTION))
        .order_by(unknown_first, Ballot.updated_at.desc(), Ballot.id.desc())
        .limit(limit)
    )
    return [AttentionBallot(*row) for row in rows]


def oldest_unknown_since(session: Session) -> datetime | None:
    """When the longest-standing UNKNOWN ballot last changed (None: nothing is in doubt)."""
    value = session.scalar(
        select(func.min(Ballot.updated_at)).where(Ballot.state == BallotState.UNKNOWN)
    )
    return aware(value)


def competition_counts(session: Session) -> dict[str, int]:
    """Competitions by market status (open, closed, cancelled...)."""
    rows = session.execute(
        select(Competition.status, func.count()).group_by(Competition.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


def latest_run_is_dry(session: Session) -> bool:
    """Whether the database's latest job run was a dry run (it then holds rehearsal rows)."""
    dry = session.scalar(select(JobRun.dry_run).order_by(JobRun.id.desc()).limit(1))
    return bool(dry)


@dataclass(frozen=True)
class HeldSlot:
    """MW of one asset promised by one ballot in one window, with the window's schedule."""

    asset_kind: str
    asset_id: str
    competition_id: str
    ballot_id: int
    accepted: bool  # the competition is decided and this window's bid was accepted
    capacity: Decimal
    start_date: date
    end_date: date  # exclusive
    start_time: time
    end_time: time
    days: frozenset[str]


def held_between(session: Session, first: date, after: date) -> list[HeldSlot]:
    """Every promise still held (open competitions, accepted windows) meeting [first, after)."""
    rows = held_rows(session, overlapping=(first, after))
    done = _done(session, {competition_id for _, competition_id, _ in rows})
    return [
        HeldSlot(
            asset_kind=row.asset_kind,
            asset_id=row.asset_id,
            competition_id=competition_id,
            ballot_id=ballot_id,
            accepted=competition_id in done,
            capacity=row.capacity,
            start_date=row.start_date,
            end_date=row.end_date,
            start_time=row.start_time,
            end_time=row.end_time,
            days=frozenset(row.days),
        )
        for ballot_id, competition_id, row in rows
    ]


def _done(session: Session, competition_ids: Iterable[str]) -> set[str]:
    ids = list(competition_ids)
    if not ids:
        return set()
    return set(
        session.scalars(select(Competition.id).where(Competition.id.in_(ids), Competition.done))
    )


def first_held_date(session: Session, today: date) -> date | None:
    """The first day from `today` on (else at all) that a live ballot promises anything: the
    week the heatmap opens on when nothing is promised this week."""
    query = (
        select(func.min(Allocation.start_date))
        .join(Ballot, Ballot.id == Allocation.ballot_id)
        .where(Ballot.state.in_(LIVE))
    )
    upcoming = session.scalar(query.where(Allocation.end_date > today))
    return _day(upcoming if upcoming is not None else session.scalar(query))


def _day(value: date | str | None) -> date | None:
    # min() over a Date column comes back as text on SQLite.
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class OutcomeRow:
    """One bid outcome with what its value needs: rates, the window's schedule, the period."""

    recorded_at: datetime
    status: OutcomeStatus
    capacity: Decimal
    operator: str | None
    availability_rate: Decimal | None
    service_fee_rate: Decimal | None
    start_time: time | None
    end_time: time | None
    days: list[str] | None
    start_date: date | None
    end_date: date | None


def outcome_rows(session: Session) -> list[OutcomeRow]:
    """Every bid outcome recorded, oldest first, as plain columns (a few thousand a year)."""
    query = (
        select(
            BidOutcome.recorded_at,
            BidOutcome.status,
            BidOutcome.capacity,
            Competition.operator_name,
            Bid.availability_rate,
            Bid.service_fee_rate,
            ServiceWindow.start_time,
            ServiceWindow.end_time,
            ServiceWindow.days,
            ServicePeriod.start_date,
            ServicePeriod.end_date,
        )
        .join(Competition, Competition.id == BidOutcome.competition_id)
        .outerjoin(Bid, Bid.id == BidOutcome.bid_id)
        .outerjoin(ServiceWindow, ServiceWindow.id == BidOutcome.service_window_id)
        .outerjoin(ServicePeriod, ServicePeriod.id == ServiceWindow.service_period_id)
        .order_by(BidOutcome.recorded_at, BidOutcome.id)
    )
    return [OutcomeRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class OperatorRate:
    operator: str
    accepted: int
    rejected: int

    @property
    def rate(self) -> Decimal:
        total = self.accepted + self.rejected
        return Decimal(self.accepted) / Decimal(total) if total else Decimal(0)


def acceptance_by_operator(session: Session) -> list[OperatorRate]:
    """Accepted and rejected bids per System Operator, counted in SQL."""
    accepted = func.sum(case((BidOutcome.status == OutcomeStatus.ACCEPTED, 1), else_=0))
    rejected = func.sum(case((BidOutcome.status == OutcomeStatus.REJECTED, 1), else_=0))
    rows = session.execute(
        select(Competition.operator_name, accepted, rejected)
        .join(Competition, Competition.id == BidOutcome.competition_id)
        .group_by(Competition.operator_name)
        .order_by(Competition.operator_name)
    )
    return [OperatorRate(name or "(unnamed)", int(a or 0), int(r or 0)) for name, a, r in rows]
