"""The daily results cycle: read what the System Operators decided about our bids.

Only competitions we bid into, that have closed, and whose results are not yet recorded are
asked about (the market asks for at most one results poll a day). Each competition is read and
recorded in its own transaction: one whose results cannot be read or stored is skipped with its
reason and the loop goes on, so it never blocks later ones. Published results are stored by
`store.outcomes` (anomalies kept with their reasons), the competition is marked done, and a
notice goes to the outbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.clock import utcnow
from biddaemon.errors import BadMarketData, OperatorActionRequired, RejectedByMarket, RetryLater
from biddaemon.jobs import notify
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import BidResults, PicloClient, ResultsStatus
from biddaemon.store.database import transaction
from biddaemon.store.outcomes import (
    OutcomesReport,
    awaiting_results,
    mark_done,
    mark_results_pending,
    record_outcomes,
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
    anomalies: dict[str, list[str]] = field(default_factory=dict)


def run_results_cycle(
    factory: sessionmaker[Session],
    client: PicloClient,
    *,
    dry_run: bool,
    stop: threading.Event | None = None,
) -> ResultsReport:
    report = ResultsReport()
    with factory() as session:
        due = awaiting_results(session, utcnow())
    for competition_id in due:
        if stop is not None and stop.is_set():
            break
        report.checked += 1
        try:
            _one_competition(factory, client, competition_id, report, dry_run=dry_run)
        except OperatorActionRequired:
            raise
        except (BadMarketData, RejectedByMarket) as exc:
            report.skipped[competition_id] = str(exc)
            log.warning("results skipped", competition=competition_id, reason=str(exc))
        except RetryLater as exc:
            report.skipped[competition_id] = str(exc)
            log.warning(
                "results unavailable, next run tries again",
                competition=competition_id,
                reason=str(exc),
            )
        except Exception as exc:
            log.exception("results failed unexpectedly", competition=competition_id)
            report.skipped[competition_id] = f"internal error: {type(exc).__name__}: {exc}"
    return report


def _one_competition(
    factory: sessionmaker[Session],
    client: PicloClient,
    competition_id: str,
    report: ResultsReport,
    *,
    dry_run: bool,
) -> None:
    results = client.get_bid_results(competition_id)
    metrics.POLLS.labels(job="results", result=results.status.value).inc()
    if results.status is not ResultsStatus.PUBLISHED:
        report.pending += 1
        with transaction(factory) as session:
            mark_results_pending(session, competition_id, results.status.value, utcnow())
        return
    outcomes = record_results(factory, competition_id, results, dry_run=dry_run)
    report.published += 1
    report.accepted += outcomes.accepted
    report.rejected += outcomes.rejected
    if outcomes.anomalies:
        report.anomalies[competition_id] = outcomes.anomalies


def record_results(
    factory: sessionmaker[Session], competition_id: str, results: BidResults, *, dry_run: bool
) -> OutcomesReport:
    """Store every outcome once (idempotent), mark the competition done, queue a notice."""
    now = utcnow()
    with transaction(factory) as session:
        outcomes = record_outcomes(session, competition_id, results, now, dry_run=dry_run)
        competition = mark_done(session, competition_id, now)
        payload: dict[str, Any] = {
            "competition_id": competition_id,
            "competition_name": competition.name,
            "accepted": outcomes.accepted,
            "rejected": outcomes.rejected,
            "bids": outcomes.lines,
        }
        if outcomes.anomalies:
            payload["anomalies"] = outcomes.anomalies
        notify.enqueue(session, "results_published", payload, dry_run=dry_run)
    for status in outcomes.recorded:
        metrics.OUTCOMES.labels(status=status).inc()
    for anomaly in outcomes.anomalies:
        log.warning("result not taken as given", competition=competition_id, reason=anomaly)
    log.info(
        "results recorded",
        competition=competition_id,
        accepted=outcomes.accepted,
        rejected=outcomes.rejected,
    )
    return outcomes
