"""What the opportunities list says, stored before any decision is made.

One observation per listed competition, each stored alone (one that cannot be stored stops
nothing), and one more read of each competition we bid into that has left the list: it closed
early, was cancelled or was extended, and the results job and `history` need to know which.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from biddaemon.clock import utcnow
from biddaemon.errors import BadMarketData, OperatorActionRequired, RejectedByMarket, RetryLater
from biddaemon.jobs.opportunities_report import OpportunitiesReport
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import BiddingOpportunity, PicloClient
from biddaemon.store.competitions import (
    bid_into_but_not_listed,
    record_observation,
    save_competition,
)
from biddaemon.store.database import transaction

log = get_logger(__name__)


def record_listing(
    factory: sessionmaker[Session],
    client: PicloClient,
    opportunities: list[BiddingOpportunity],
    report: OpportunitiesReport,
    *,
    stop: threading.Event,
    dry_run: bool,
) -> None:
    """One row per listed opportunity, each alone: one that cannot be stored stops nothing."""
    now = utcnow()
    with transaction(factory) as session:
        for opportunity in opportunities:
            reason = record_observation(session, opportunity, now, dry_run=dry_run)
            if reason is not None:
                report.unrecorded[opportunity.competition_id] = reason
                log.warning(
                    "observation not stored as listed",
                    competition=opportunity.competition_id,
                    reason=reason,
                )
    _reread_departed(factory, client, opportunities, report, stop=stop, dry_run=dry_run)


def _reread_departed(
    factory: sessionmaker[Session],
    client: PicloClient,
    opportunities: list[BiddingOpportunity],
    report: OpportunitiesReport,
    *,
    stop: threading.Event,
    dry_run: bool,
) -> None:
    """Read once more each competition we bid into that left the list.

    It closed early, was cancelled or was extended; storing what the market says now lets
    the results job ask at the right time, and `history` show what changed.
    """
    with factory() as session:
        departed = bid_into_but_not_listed(session, (o.competition_id for o in opportunities))
    for competition_id in departed:
        if stop.is_set():
            return
        try:
            competition = client.get_competition(competition_id)
            with transaction(factory) as session:
                changes = save_competition(session, competition, utcnow(), dry_run=dry_run)
            log_changes(competition.id, changes)
        except OperatorActionRequired:
            raise
        except (BadMarketData, RejectedByMarket, RetryLater) as exc:
            report.reread[competition_id] = str(exc)
            log.warning("re-read failed", competition=competition_id, reason=str(exc))
        except Exception as exc:
            log.exception("re-read failed unexpectedly", competition=competition_id)
            report.reread[competition_id] = f"internal error: {type(exc).__name__}: {exc}"
        else:
            log.info(
                "re-read a competition that left the list",
                competition=competition_id,
                status=competition.status.value,
            )


def log_changes(competition_id: str, changes: list[str]) -> None:
    for change in changes:
        log.warning("competition changed after we bid", competition=competition_id, change=change)
