"""The daily results cycle: read what the System Operators decided about our bids.

Only competitions we bid into, that have closed, and whose results are not yet recorded are
asked about (the market asks for at most one results poll a day). Each published result is
stored as a `BidOutcome` against our bid, the competition is marked done, and a notice goes to
the outbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.clock import utcnow
from biddaemon.errors import BadMarketData, RejectedByMarket, RetryLater
from biddaemon.jobs import notify
from biddaemon.jobs.submission import LIVE
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import BidResults, PicloClient, ResultsStatus
from biddaemon.store.database import transaction
from biddaemon.store.models import (
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    Competition,
    OutcomeStatus,
)

log = get_logger(__name__)


@dataclass
class ResultsReport:
    checked: int = 0
    published: int = 0
    pending: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: dict[str, str] = field(default_factory=dict)


def competitions_awaiting_results(session: Session, now: datetime) -> list[str]:
    """Closed competitions we bid into whose results we have not recorded yet."""
    bid_into = select(Ballot.competition_id).where(
        Ballot.state.in_((*LIVE, BallotState.SUPERSEDED))
    )
    return list(
        session.scalars(
            select(Competition.id)
            .where(Competition.id.in_(bid_into), Competition.done.is_(False))
            .where(Competition.competition_close <= now)
            .order_by(Competition.competition_close, Competition.id)
        )
    )


def run_results_cycle(
    factory: sessionmaker[Session],
    client: PicloClient,
    *,
    dry_run: bool,
    stop: threading.Event | None = None,
) -> ResultsReport:
    report = ResultsReport()
    with factory() as session:
        due = competitions_awaiting_results(session, utcnow())
    for competition_id in due:
        if stop is not None and stop.is_set():
            break
        report.checked += 1
        try:
            results = client.get_bid_results(competition_id)
        except (BadMarketData, RejectedByMarket) as exc:
            report.skipped[competition_id] = str(exc)
            log.warning("results skipped", competition=competition_id, reason=str(exc))
            continue
        except RetryLater as exc:
            report.skipped[competition_id] = str(exc)
            log.warning(
                "results unavailable, next run tries again",
                competition=competition_id,
                reason=str(exc),
            )
            continue
        metrics.POLLS.labels(job="results", result=results.status.value).inc()
        if results.status is not ResultsStatus.PUBLISHED:
            report.pending += 1
            with transaction(factory) as session:
                competition = session.get_one(Competition, competition_id)
                competition.results_status = results.status.value
                competition.results_checked_at = utcnow()
            continue
        accepted, rejected = record_results(factory, results, dry_run=dry_run)
        report.published += 1
        report.accepted += accepted
        report.rejected += rejected
    return report


def record_results(
    factory: sessionmaker[Session], results: BidResults, *, dry_run: bool
) -> tuple[int, int]:
    """Store every outcome once (idempotent), mark the competition done, queue a notice."""
    now = utcnow()
    accepted = rejected = 0
    with transaction(factory) as session:
        competition = session.get_one(Competition, results.competition_id)
        known = set(
            session.scalars(
                select(BidOutcome.market_bid_id).where(
                    BidOutcome.competition_id == results.competition_id
                )
            )
        )
        lines = []
        for result in results.results:
            status = OutcomeStatus(result.status.value)
            if status is OutcomeStatus.ACCEPTED:
                accepted += 1
            else:
                rejected += 1
            our_bid = session.scalars(select(Bid).where(Bid.market_bid_id == result.bid_id)).first()
            lines.append(
                {
                    "bid_id": result.bid_id,
                    "service_window_id": result.service_window_id,
                    "status": status.value,
                    "capacity": str(result.capacity),
                    "rejection_reason": result.rejection_reason,
                }
            )
            if result.bid_id in known:
                continue
            session.add(
                BidOutcome(
                    competition_id=results.competition_id,
                    market_bid_id=result.bid_id,
                    market_ballot_id=result.ballot_id,
                    bid_id=our_bid.id if our_bid else None,
                    service_window_id=result.service_window_id,
                    status=status,
                    capacity=result.capacity,
                    rejection_reason=result.rejection_reason,
                    recorded_at=now,
                    dry_run=dry_run,
                )
            )
            metrics.OUTCOMES.labels(status=status.value).inc()
        competition.results_status = ResultsStatus.PUBLISHED.value
        competition.results_checked_at = now
        competition.results_published_at = now
        competition.done = True
        notify.enqueue(
            session,
            "results_published",
            {
                "competition_id": results.competition_id,
                "competition_name": competition.name,
                "accepted": accepted,
                "rejected": rejected,
                "bids": lines,
            },
            dry_run=dry_run,
        )
    log.info(
        "results recorded", competition=results.competition_id, accepted=accepted, rejected=rejected
    )
    return accepted, rejected
