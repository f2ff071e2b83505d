"""Sending a ballot and knowing, always, what happened to it (principles 1 and 2).

The ballot row is committed as SUBMITTING before the POST. Afterwards it is SUBMITTED (with the
market's ids), REJECTED (with the market's text), UNKNOWN (the outcome is ambiguous), or back to
DRAFT when the request provably never left. An UNKNOWN or SUBMITTING ballot is reconciled by
listing the competition's ballots on the market before anything else is sent for it. This module
keeps the HTTP calls and the wiring; every write is a named operation of `store.ballots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.bidding.fingerprint import BidValues
from biddaemon.clock import utcnow
from biddaemon.errors import AmbiguousSubmission, RejectedByMarket, RetryLater
from biddaemon.jobs import notify
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import Ballot as MarketBallot
from biddaemon.markets.piclo import BallotRequest, parse_wire
from biddaemon.store import ballots, reconciliation
from biddaemon.store.database import transaction
from biddaemon.store.ledger import IN_DOUBT, LIVE
from biddaemon.store.models import AttemptOutcome, BallotState

__all__ = ["IN_DOUBT", "LIVE", "SubmissionResult", "landed", "reconcile_competition", "submit"]

log = get_logger(__name__)

DEFAULT_HORIZON = ballots.landing_horizon(30.0)


class BallotMarket(Protocol):
    """The two market calls this module needs (the real client, or the dry-run one)."""

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> MarketBallot: ...

    def list_ballots(self, competition_id: str) -> list[MarketBallot]: ...


def landed(ballot: MarketBallot) -> ballots.Landed:
    """The market's parsed ballot in the store's neutral terms (no raw dictionaries)."""
    assets = ballot.assets
    return ballots.Landed(
        market_id=ballot.id,
        active=ballot.active,
        flex_ids=tuple(assets.flex) if assets is not None else (),
        planned_ids=tuple(assets.planned) if assets is not None else (),
        bids=tuple(
            ballots.LandedBid(
                bid.id,
                BidValues(
                    bid.service_window_id,
                    bid.capacity,
                    {str(rate.type): rate.value for rate in bid.rates},
                    bid.max_runtime,
                ),
            )
            for bid in ballot.bids
        ),
    )


@dataclass(frozen=True)
class SubmissionResult:
    state: BallotState
    market_ballot_id: str | None = None
    detail: str | None = None


def submit(
    factory: sessionmaker[Session],
    market: BallotMarket,
    ballot_id: int,
    *,
    dry_run: bool,
    started: ballots.Started | None = None,
) -> SubmissionResult:
    """POST a ballot already committed as SUBMITTING, then record its new state in one unit of
    work. `started`: the attempt row committed with the ballot (the cycle's one transaction
    before the POST); without it the attempt is committed here first."""
    if started is None:
        with transaction(factory) as session:
            started = ballots.record_attempt(session, ballot_id, utcnow(), dry_run=dry_run)
    request = parse_wire(BallotRequest, started.request_body, what="stored ballot")
    competition_id = started.competition_id

    try:
        answer = market.submit_ballot(competition_id, request)
    except RejectedByMarket as exc:
        metrics.SUBMISSIONS.labels(status=str(exc.status_code)).inc()
        with transaction(factory) as session:
            now = utcnow()
            ballot = ballots.mark_rejected(session, ballot_id, exc.detail, now)
            ballots.settle_attempt(
                session,
                started.attempt_id,
                AttemptOutcome.REJECTED,
                now,
                http_status=exc.status_code,
                detail=exc.detail,
            )
            notify.enqueue(
                session,
                "ballot_rejected",
                {"competition_id": competition_id, "ballot_id": ballot.id, "reason": exc.detail},
                dry_run=dry_run,
            )
        log.warning(
            "ballot rejected by the market",
            competition=competition_id,
            ballot=ballot_id,
            detail=exc.detail,
        )
        return SubmissionResult(BallotState.REJECTED, None, exc.detail)
    except AmbiguousSubmission as exc:
        metrics.SUBMISSIONS.labels(status="ambiguous").inc()
        detail = str(exc)
        with transaction(factory) as session:
            now = utcnow()
            ballots.mark_unknown(session, ballot_id, detail, now)
            ballots.settle_attempt(
                session,
                started.attempt_id,
                AttemptOutcome.AMBIGUOUS,
                now,
                http_status=exc.status_code,
                detail=detail,
            )
        log.warning(
            "ballot outcome unknown: will reconcile before sending again",
            competition=competition_id,
            ballot=ballot_id,
            detail=detail,
        )
        return SubmissionResult(BallotState.UNKNOWN, None, detail)
    except RetryLater as exc:
        # Only a write that provably never left ends here: it may simply be sent again later.
        metrics.SUBMISSIONS.labels(status="not_sent").inc()
        detail = str(exc)
        with transaction(factory) as session:
            now = utcnow()
            ballots.mark_not_sent(session, ballot_id, now)
            ballots.settle_attempt(
                session, started.attempt_id, AttemptOutcome.NOT_SENT, now, detail=detail
            )
        log.warning(
            "ballot not sent: the market could not be reached",
            competition=competition_id,
            ballot=ballot_id,
            detail=detail,
        )
        return SubmissionResult(BallotState.DRAFT, None, detail)

    metrics.SUBMISSIONS.labels(status="dry_run" if dry_run else "201").inc()
    with transaction(factory) as session:
        now = utcnow()
        ballots.mark_submitted(session, ballot_id, landed(answer), now)
        ballots.settle_attempt(
            session,
            started.attempt_id,
            AttemptOutcome.NOT_SENT if dry_run else AttemptOutcome.SUBMITTED,
            now,
            http_status=None if dry_run else 201,
        )
    log.info(
        "ballot submitted",
        competition=competition_id,
        ballot=ballot_id,
        market_ballot=answer.id,
        bids=len(answer.bids),
        dry_run=dry_run,
    )
    return SubmissionResult(BallotState.SUBMITTED, answer.id)


def reconcile_competition(
    factory: sessionmaker[Session],
    market: BallotMarket,
    competition_id: str,
    *,
    listing: Sequence[MarketBallot] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    dry_run: bool = False,
) -> list[tuple[int, BallotState]]:
    """Resolve every SUBMITTING/UNKNOWN ballot of one competition against the market's list,
    and adopt any ballot the market holds that we do not know (`store.reconciliation`).

    `listing`: the competition's ballots if the caller already read them (else read here, and
    only when something is in doubt).
    """
    if listing is None:
        with factory() as session:
            if not ballots.in_doubt(session, competition_id):
                return []
        listing = market.list_ballots(competition_id)
    with transaction(factory) as session:
        return reconciliation.reconcile(
            session,
            competition_id,
            [landed(b) for b in listing],
            utcnow(),
            horizon=horizon,
            dry_run=dry_run,
        )


def competitions_in_doubt(factory: sessionmaker[Session]) -> list[str]:
    """Competitions with a ballot whose fate we do not know yet (start-up reconciliation)."""
    with factory() as session:
        return ballots.competitions_in_doubt(session)
