"""The only code that writes ballots, bids, submission attempts and allocations.

Jobs call these named operations inside their own transaction (one unit of work each) and keep
the HTTP calls; every state change goes through `models.transition`. What the market holds is
passed in as `Landed` (built from the client's parsed models by the jobs), and compared with
our rows through the one ballot identity of `bidding.fingerprint`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, defer

from biddaemon.bidding.fingerprint import (
    BallotIdentity,
    BidValues,
    ballot_identity,
    bid_identity,
    runtime_of_text,
)
from biddaemon.bidding.plan import BallotPlan
from biddaemon.logs import get_logger
from biddaemon.store.ledger import IN_DOUBT, LIVE, allocation_rows, bid_order
from biddaemon.store.models import (
    Allocation,
    AttemptOutcome,
    Ballot,
    BallotState,
    Bid,
    SubmissionAttempt,
    transition,
)
from biddaemon.strategy.snapshot import Commitment, WindowSpec

__all__ = ["IN_DOUBT", "LIVE", "bid_order"]

log = get_logger(__name__)

LANDING_MARGIN = timedelta(seconds=30)


def landing_horizon(timeout_seconds: float) -> timedelta:
    """How long after an unanswered write started the market may still store it: the write
    timeout (we stopped waiting then, the market may not have) plus a margin for a market
    that held the request longer still."""
    return timedelta(seconds=timeout_seconds) + LANDING_MARGIN


@dataclass(frozen=True, slots=True)
class LandedBid:
    market_bid_id: str
    values: BidValues


@dataclass(frozen=True, slots=True)
class Landed:
    """A ballot as the market lists it, in neutral terms."""

    market_id: str
    active: bool
    flex_ids: tuple[str, ...]
    planned_ids: tuple[str, ...]
    bids: tuple[LandedBid, ...]

    @property
    def identity(self) -> BallotIdentity:
        return ballot_identity(self.flex_ids, self.planned_ids, (b.values for b in self.bids))


@dataclass(frozen=True, slots=True)
class Started:
    attempt_id: int
    competition_id: str
    request_body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Saved:
    ballot_id: int
    commitments: tuple[Commitment, ...]
    started: Started | None = None  # the attempt row, when saved with `start_attempt`


# -- reading ---------------------------------------------------------------------------------


def values_of(bid: Bid) -> BidValues:
    rates = {
        kind: value
        for kind, value in (
            ("availability", bid.availability_rate),
            ("utilisation", bid.utilisation_rate),
            ("service_fee", bid.service_fee_rate),
        )
        if value is not None
    }
    return BidValues(bid.service_window_id, bid.capacity, rates, runtime_of_text(bid.max_runtime))


def identity_of(ballot: Ballot) -> BallotIdentity:
    return ballot_identity(
        ballot.flex_asset_ids, ballot.planned_asset_ids, (values_of(b) for b in ballot.bids)
    )


def is_live(session: Session, fingerprint: str) -> bool:
    state = session.scalar(select(Ballot.state).where(Ballot.fingerprint == fingerprint))
    return state in LIVE


def in_doubt(session: Session, competition_id: str) -> list[Ballot]:
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.competition_id == competition_id, Ballot.state.in_(IN_DOUBT))
            .order_by(Ballot.id)
        )
    )


def needs_reconciling(session: Session, competition_id: str, listed: Iterable[str]) -> bool:
    """Whether reconciliation has anything to do: a ballot of ours in doubt, or a ballot the
    market lists (by its id) that we do not know. The common cycle has neither, and writes
    nothing before its decision."""
    doubtful = select(Ballot.id).where(
        Ballot.competition_id == competition_id, Ballot.state.in_(IN_DOUBT)
    )
    if session.scalar(doubtful.limit(1)) is not None:
        return True
    wanted = set(listed)
    if not wanted:
        return False
    known = session.scalars(
        select(Ballot.market_ballot_id).where(
            Ballot.competition_id == competition_id, Ballot.market_ballot_id.in_(wanted)
        )
    )
    return bool(wanted - set(known))


def competitions_in_doubt(session: Session) -> list[str]:
    """Competitions with a ballot whose fate we do not know yet (start-up reconciliation)."""
    return list(
        session.scalars(
            select(Ballot.competition_id)
            .where(Ballot.state.in_(IN_DOUBT))
            .distinct()
            .order_by(Ballot.competition_id)
        )
    )


def doubts(session: Session) -> list[tuple[str, int, str]]:
    """(competition, ballot, why) of every ballot in doubt, for `/healthz` and `status`."""
    rows = session.execute(
        select(Ballot.competition_id, Ballot.id, Ballot.state, Ballot.doubt_reason)
        .where(Ballot.state.in_(IN_DOUBT))
        .order_by(Ballot.competition_id, Ballot.id)
    )
    return [
        (competition, ballot_id, reason or f"{state.value}: not reconciled yet")
        for competition, ballot_id, state, reason in rows
    ]


# -- saving and sending ----------------------------------------------------------------------


def commitments_of(plan: BallotPlan, windows: Mapping[str, WindowSpec]) -> tuple[Commitment, ...]:
    """The MW per asset and window the plan promises, with each window's schedule."""
    return tuple(
        Commitment(
            asset_id=share.asset_id,
            competition_id=plan.competition_id,
            window_id=bid.window_id,
            schedule=windows[bid.window_id].schedule,
            capacity=share.capacity,
            kind=share.kind,
        )
        for bid in plan.bids
        for share in bid.allocations
    )


def save_submitting(
    session: Session,
    plan: BallotPlan,
    record: dict[str, Any],
    windows: Mapping[str, WindowSpec],
    *,
    body: dict[str, Any],
    now: datetime,
    dry_run: bool,
    start_attempt: bool = False,
) -> Saved | None:
    """Commit the ballot as SUBMITTING with its allocations, before anything is sent.

    A DRAFT with the same fingerprint (never sent, or found never stored) is sent again; one the
    market REJECTED is never resent with the same content: None. `start_attempt`: the attempt
    row is written in the same unit of work (the cycle's one transaction before the POST).
    """
    commitments = commitments_of(plan, windows)
    existing = session.scalar(select(Ballot).where(Ballot.fingerprint == plan.fingerprint))
    if existing is not None:
        if existing.state is BallotState.REJECTED:
            log.warning(
                "not resending a ballot the market rejected",
                competition=plan.competition_id,
                ballot=existing.id,
                reason=existing.rejection_text,
            )
            return None
        transition(existing, BallotState.SUBMITTING, now)
        existing.decision = record
        existing.allocations = allocation_rows(commitments)
        started = _start(session, existing, now, dry_run=dry_run) if start_attempt else None
        return Saved(existing.id, commitments, started)
    ballot = Ballot(
        competition_id=plan.competition_id,
        fingerprint=plan.fingerprint,
        state=BallotState.SUBMITTING,
        flex_asset_ids=list(plan.flex_asset_ids),
        planned_asset_ids=list(plan.planned_asset_ids),
        request_body=body,
        decision=record,
        strategy=plan.strategy,
        created_at=now,
        updated_at=now,
        dry_run=dry_run,
    )
    attempt = SubmissionAttempt(started_at=now, dry_run=dry_run) if start_attempt else None
    if attempt is not None:
        ballot.attempts.append(attempt)
    session.add(ballot)
    session.flush()
    # Bids and allocations as two multi-row INSERTs: dozens of rows a ballot, and the ORM's
    # per-object bookkeeping was most of the cycle's database time.
    if plan.bids:
        session.execute(
            insert(Bid),
            [
                {
                    "ballot_id": ballot.id,
                    "position": position,
                    "service_window_id": bid.window_id,
                    "capacity": bid.capacity,
                    "max_runtime": bid_identity(bid)[2],  # the runtime as sent
                    "availability_rate": bid.rates.get("availability"),
                    "utilisation_rate": bid.rates.get("utilisation"),
                    "service_fee_rate": bid.rates.get("service_fee"),
                }
                for position, bid in enumerate(plan.bids)
            ],
        )
    if commitments:
        session.execute(
            insert(Allocation),
            [
                {
                    "ballot_id": ballot.id,
                    "window_id": c.window_id,
                    "asset_kind": c.kind,
                    "asset_id": c.asset_id,
                    "capacity": c.capacity,
                    "start_date": c.schedule.start_date,
                    "end_date": c.schedule.end_date,
                    "start_time": c.schedule.start_time,
                    "end_time": c.schedule.end_time,
                    "days": sorted(c.schedule.days),
                }
                for c in commitments
            ],
        )
    log.debug(  # the canonical line is "ballot submitted" (or why it was not)
        "ballot persisted before sending",
        competition=plan.competition_id,
        ballot=ballot.id,
        bids=len(plan.bids),
        fingerprint=plan.fingerprint[:12],
    )
    started = (
        None
        if attempt is None
        else Started(attempt.id, ballot.competition_id, dict(ballot.request_body))
    )
    return Saved(ballot.id, commitments, started)


def record_attempt(session: Session, ballot_id: int, now: datetime, *, dry_run: bool) -> Started:
    """The attempt row, committed before the POST; the ballot must be SUBMITTING."""
    return _start(session, session.get_one(Ballot, ballot_id), now, dry_run=dry_run)


def _start(session: Session, ballot: Ballot, now: datetime, *, dry_run: bool) -> Started:
    if ballot.state is not BallotState.SUBMITTING:
        raise ValueError(f"ballot {ballot.id} is {ballot.state}, not submitting")
    attempt = SubmissionAttempt(ballot_id=ballot.id, started_at=now, dry_run=dry_run)
    session.add(attempt)
    session.flush()
    return Started(attempt.id, ballot.competition_id, dict(ballot.request_body))


def settle_attempt(
    session: Session,
    attempt_id: int,
    outcome: AttemptOutcome,
    now: datetime,
    *,
    http_status: int | None = None,
    detail: str | None = None,
) -> None:
    attempt = session.get_one(SubmissionAttempt, attempt_id)
    attempt.finished_at = now
    attempt.http_status = http_status
    attempt.outcome = outcome
    attempt.error_text = detail


def mark_submitted(session: Session, ballot_id: int, landed: Landed, now: datetime) -> None:
    """SUBMITTED with the market's ids; the ballot it replaces becomes SUPERSEDED."""
    ballot = _settling(session, ballot_id)
    supersede_others(session, ballot.competition_id, ballot.id, now)
    transition(ballot, BallotState.SUBMITTED, now)
    ballot.market_ballot_id = landed.market_id
    _assign_bid_ids(ballot, landed)


def mark_rejected(session: Session, ballot_id: int, detail: str, now: datetime) -> Ballot:
    ballot = _settling(session, ballot_id)
    transition(ballot, BallotState.REJECTED, now)
    ballot.rejection_text = detail
    return ballot


def mark_unknown(session: Session, ballot_id: int, reason: str, now: datetime) -> None:
    ballot = _settling(session, ballot_id)
    if ballot.state is not BallotState.UNKNOWN:
        transition(ballot, BallotState.UNKNOWN, now)
    ballot.doubt_reason = reason[:2000]


def mark_not_sent(session: Session, ballot_id: int, now: datetime) -> None:
    transition(_settling(session, ballot_id), BallotState.DRAFT, now)


def _settling(session: Session, ballot_id: int) -> Ballot:
    """The ballot whose POST is being settled, without its request body and decision record:
    settling reads neither, and a large fleet's decision record is large to decode."""
    return session.get_one(
        Ballot, ballot_id, options=[defer(Ballot.request_body), defer(Ballot.decision)]
    )


def note_doubt(session: Session, competition_id: str, reason: str) -> None:
    """Why the competition's ballots stay in doubt (e.g. a listing we could not read)."""
    for ballot in in_doubt(session, competition_id):
        ballot.doubt_reason = reason[:2000]


def supersede_others(
    session: Session, competition_id: str, keep: int | None, now: datetime
) -> None:
    for older in session.scalars(
        select(Ballot).where(
            Ballot.competition_id == competition_id,
            Ballot.state == BallotState.SUBMITTED,
            Ballot.id != (keep if keep is not None else -1),
        )
    ):
        transition(older, BallotState.SUPERSEDED, now)


def _assign_bid_ids(ballot: Ballot, landed: Landed) -> None:
    """Give each of our bids the market's id, matching by the bid's identity."""
    remaining = [(bid_identity(b.values), b.market_bid_id) for b in landed.bids]
    for bid in ballot.bids:
        ours = bid_identity(values_of(bid))
        for index, (theirs, market_bid_id) in enumerate(remaining):
            if theirs == ours:
                bid.market_bid_id = market_bid_id
                del remaining[index]
                break
