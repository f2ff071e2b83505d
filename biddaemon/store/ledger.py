"""What we have promised: allocations as data, read once per cycle into an in-memory ledger.

`Ledger.load` runs one query over the `allocations` of live ballots (those of a finished
competition only where the market accepted the window's bid: rejected bids release their
capacity) and the cycle keeps it current as it decides each competition (`record`, `settle`),
so no decision record is ever decoded on the hot path. Which holders a competition must respect
is the first-come-first-served rule of `bidding.priority`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.orm import Session

from biddaemon.bidding import priority
from biddaemon.bidding.holdings import Holdings
from biddaemon.bidding.record import commitments_from_record
from biddaemon.store.models import (
    Allocation,
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    Competition,
    OutcomeStatus,
)
from biddaemon.strategy.snapshot import Commitment, Schedule

IN_DOUBT = (BallotState.SUBMITTING, BallotState.UNKNOWN)
LIVE = (BallotState.SUBMITTED, *IN_DOUBT)
BID_INTO = (*LIVE, BallotState.SUPERSEDED)


def bid_order(session: Session, competition_id: str | None = None) -> dict[str, int]:
    """The order in which we first bid into each competition (our first ballot's row id)."""
    query = select(Ballot.competition_id, func.min(Ballot.id)).where(Ballot.state.in_(BID_INTO))
    if competition_id is not None:
        query = query.where(Ballot.competition_id == competition_id)
    rows = session.execute(query.group_by(Ballot.competition_id))
    return dict(rows.all())


def commitment_of(row: Allocation, competition_id: str) -> Commitment:
    return Commitment(
        asset_id=row.asset_id,
        competition_id=competition_id,
        window_id=row.window_id,
        schedule=Schedule(
            row.start_date, row.end_date, row.start_time, row.end_time, frozenset(row.days)
        ),
        capacity=row.capacity,
        kind="planned" if row.asset_kind == "planned" else "flex",
    )


def allocation_rows(commitments: Iterable[Commitment]) -> list[Allocation]:
    return [
        Allocation(
            window_id=c.window_id,
            asset_kind=c.kind,
            asset_id=c.asset_id,
            capacity=c.capacity,
            start_date=c.schedule.start_date,
            end_date=c.schedule.end_date,
            start_time=c.schedule.start_time,
            end_time=c.schedule.end_time,
            days=sorted(c.schedule.days),
        )
        for c in commitments
    ]


def _accepted_window() -> object:
    """The window's bid of this ballot was accepted by the System Operator."""
    return exists(
        select(1)
        .select_from(Bid)
        .join(BidOutcome, BidOutcome.bid_id == Bid.id)
        .where(
            Bid.ballot_id == Allocation.ballot_id,
            Bid.service_window_id == Allocation.window_id,
            BidOutcome.status == OutcomeStatus.ACCEPTED,
        )
    )


def held_rows(
    session: Session,
    competition_id: str | None = None,
    *,
    overlapping: tuple[date, date] | None = None,
) -> list[tuple[int, str, Allocation]]:
    """(ballot id, competition id, allocation) of every promise still held: one query.

    `overlapping` (first day, day after the last) keeps the promises whose service period
    meets those days (the dashboard's week), so a year of history is not read to draw one.
    """
    query = (
        select(Ballot.id, Ballot.competition_id, Allocation)
        .join(Ballot, Ballot.id == Allocation.ballot_id)
        .join(Competition, Competition.id == Ballot.competition_id)
        .where(Ballot.state.in_(LIVE))
        .where(or_(not_(Competition.done), _accepted_window()))  # type: ignore[arg-type]
        .order_by(Allocation.id)
    )
    if competition_id is not None:
        query = query.where(Ballot.competition_id == competition_id)
    if overlapping is not None:
        first, after = overlapping
        query = query.where(Allocation.start_date < after, Allocation.end_date > first)
    return [
        (ballot_id, competition_id, row)
        for ballot_id, competition_id, row in session.execute(query)
    ]


def _unallocated(session: Session) -> list[tuple[int, str, tuple[Commitment, ...]]]:
    """Live ballots with no allocation rows at all: written before the table existed and not
    backfilled (e.g. inserted by hand). Read from their decision record once per load."""
    has_rows = exists(select(1).where(Allocation.ballot_id == Ballot.id))
    found: list[tuple[int, str, tuple[Commitment, ...]]] = []
    for ballot in session.scalars(select(Ballot).where(Ballot.state.in_(LIVE), ~has_rows)):
        commitments = commitments_from_record(ballot.decision)
        if ballot.competition.done:
            accepted = set(
                session.scalars(
                    select(Bid.service_window_id)
                    .join(BidOutcome, BidOutcome.bid_id == Bid.id)
                    .where(Bid.ballot_id == ballot.id)
                    .where(BidOutcome.status == OutcomeStatus.ACCEPTED)
                )
            )
            commitments = tuple(c for c in commitments if c.window_id in accepted)
        found.append((ballot.id, ballot.competition_id, commitments))
    return found


@dataclass
class Ledger:
    """Every promise still held, per ballot, and the first-come-first-served order.

    `holdings` indexes the same promises by schedule, kept current with `held` (one index for
    the whole cycle, not one per competition): a decision reads it, ignoring `ignored_by`.
    """

    held: dict[int, tuple[str, list[Commitment]]] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)
    fixed: set[str] = field(default_factory=set)
    holdings: Holdings = field(default_factory=Holdings)

    @classmethod
    def load(cls, session: Session, now: datetime, safety_margin: timedelta) -> Ledger:
        """Built once per cycle; ballots closing before `now + safety_margin` are fixed."""
        return cls.frozen_before(session, now + safety_margin)

    @classmethod
    def frozen_before(cls, session: Session, frozen_before: datetime) -> Ledger:
        ledger = cls(order=bid_order(session))
        for ballot_id, competition_id, row in held_rows(session):
            ledger.held.setdefault(ballot_id, (competition_id, []))[1].append(
                commitment_of(row, competition_id)
            )
        for ballot_id, competition_id, commitments in _unallocated(session):
            ledger.held[ballot_id] = (competition_id, list(commitments))
        for _, promised in ledger.held.values():
            for commitment in promised:
                ledger.holdings.add_commitment(commitment)
        holders = {competition_id for competition_id, _ in ledger.held.values()}
        closes = session.execute(
            select(Competition.id, Competition.competition_close).where(Competition.id.in_(holders))
        )
        ledger.fixed = {c for c, close in closes if priority.is_fixed(close, frozen_before)}
        return ledger

    def reload(self, session: Session, competition_id: str) -> None:
        """Re-read one competition's promises after reconciliation changed them."""
        for ballot_id in [b for b, (c, _) in self.held.items() if c == competition_id]:
            del self.held[ballot_id]
        for ballot_id, holder, row in held_rows(session, competition_id):
            self.held.setdefault(ballot_id, (holder, []))[1].append(commitment_of(row, holder))
        self._reindex(competition_id)
        first = bid_order(session, competition_id).get(competition_id)
        if first is None:
            self.order.pop(competition_id, None)
        else:
            self.order[competition_id] = first

    def _reindex(self, competition_id: str) -> None:
        """Make `holdings` hold exactly `held`'s promises of `competition_id` again."""
        self.holdings.release(competition_id)
        for holder, commitments in self.held.values():
            if holder == competition_id:
                for commitment in commitments:
                    self.holdings.add_commitment(commitment)

    def ignored_by(self, competition_id: str) -> frozenset[str]:
        """The holders `competition_id`'s decision does not respect (itself included): with
        these ignored, `holdings` counts exactly `held_for(competition_id)`."""
        holders = {holder for holder, _ in self.held.values()}
        return frozenset(
            {competition_id}
            | {
                h
                for h in holders
                if not priority.yields_to(competition_id, h, self.order, self.fixed)
            }
        )

    def held_for(self, competition_id: str) -> list[Commitment]:
        """What `competition_id`'s decision must respect (first come, first served)."""
        respected: dict[str, bool] = {}
        found: list[Commitment] = []
        for holder, commitments in self.held.values():
            if holder not in respected:
                respected[holder] = priority.yields_to(
                    competition_id, holder, self.order, self.fixed
                )
            if respected[holder]:
                found.extend(commitments)
        return found

    def record(
        self, competition_id: str, ballot_id: int, commitments: Iterable[Commitment]
    ) -> None:
        """A ballot of `competition_id` was saved as SUBMITTING: its promises now count."""
        replaced = self.held.get(ballot_id)
        self.held[ballot_id] = (competition_id, list(commitments))
        if replaced is None:  # a new ballot only adds promises
            for commitment in self.held[ballot_id][1]:
                self.holdings.add_commitment(commitment)
        else:
            self._reindex(competition_id)
        self.order[competition_id] = min(self.order.get(competition_id, ballot_id), ballot_id)

    def settle(self, competition_id: str, ballot_id: int, state: BallotState) -> None:
        """Keep the ledger as the store after a submission settled."""
        if state is BallotState.SUBMITTED:
            others = [b for b, (c, _) in self.held.items() if c == competition_id]
            for other in others:
                if other != ballot_id:
                    del self.held[other]
            if any(other != ballot_id for other in others):
                self._reindex(competition_id)
        elif state not in LIVE:
            if self.held.pop(ballot_id, None) is not None:
                self._reindex(competition_id)
            if self.order.get(competition_id) == ballot_id and not any(
                c == competition_id for c, _ in self.held.values()
            ):
                del self.order[competition_id]


def held_elsewhere(
    session: Session, competition_id: str, *, frozen_before: datetime
) -> list[Commitment]:
    """What one competition must respect, read on its own (the cycle keeps a `Ledger`)."""
    return Ledger.frozen_before(session, frozen_before).held_for(competition_id)
