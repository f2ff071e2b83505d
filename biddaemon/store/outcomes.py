"""The only code that writes bid outcomes and a competition's results state.

Published results are taken one result at a time: a bid listed twice, one we do not know, one
of ours in another competition, or a value the store cannot hold is recorded as an anomaly (a
`CompetitionEvent`, and in the report) and the competition's other results are still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from biddaemon.store.competitions import SENT, add_event
from biddaemon.store.models import Ballot, Bid, BidOutcome, Competition, OutcomeStatus
from biddaemon.store.storable import amount_problem, safe_text, why

if TYPE_CHECKING:
    from biddaemon.markets.piclo import BidResults

PUBLISHED = "published"
# Stored statuses (as last read from the market) after which results can be asked for.
_FINISHED = ("closed", "results_published", "cancelled")


@dataclass
class OutcomesReport:
    """What one competition's published results held, and what of them we could not take."""

    competition_id: str
    accepted: int = 0
    rejected: int = 0
    recorded: list[str] = field(default_factory=list)  # statuses of the rows written now
    anomalies: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)


def awaiting_results(session: Session, now: datetime) -> list[str]:
    """Competitions we bid into whose results we have not recorded, and that have closed.

    Closed by the close time or the status as last read: a competition that closed early or was
    cancelled is asked about on the next run, not when the close time first seen passes.
    """
    bid_into = select(Ballot.competition_id).where(Ballot.state.in_(SENT))
    return list(
        session.scalars(
            select(Competition.id)
            .where(Competition.id.in_(bid_into), Competition.done.is_(False))
            .where(or_(Competition.competition_close <= now, Competition.status.in_(_FINISHED)))
            .order_by(Competition.competition_close, Competition.id)
        )
    )


def mark_results_pending(session: Session, competition_id: str, status: str, now: datetime) -> None:
    competition = session.get_one(Competition, competition_id)
    competition.results_status = safe_text(status, 16)
    competition.results_checked_at = now


def mark_done(session: Session, competition_id: str, now: datetime) -> Competition:
    """Results recorded: the competition is never asked about again."""
    competition = session.get_one(Competition, competition_id)
    competition.results_status = PUBLISHED
    competition.results_checked_at = now
    competition.results_published_at = now
    competition.done = True
    return competition


def record_outcomes(
    session: Session, competition_id: str, results: BidResults, now: datetime, *, dry_run: bool
) -> OutcomesReport:
    """Store each published result once (idempotent), each in its own savepoint."""
    report = OutcomesReport(competition_id)
    if results.competition_id != competition_id:
        report.anomalies.append(
            f"the results name competition {safe_text(results.competition_id, 64)}, not "
            f"{competition_id}: only bids of ours in {competition_id} are recorded"
        )
    known = set(
        session.scalars(
            select(BidOutcome.market_bid_id).where(BidOutcome.competition_id == competition_id)
        )
    )
    ours = _our_bids(session, [r.bid_id for r in results.results])
    seen: set[str] = set()
    for result in results.results:
        label = safe_text(result.bid_id, 64)
        if result.bid_id in seen:
            report.anomalies.append(f"bid {label} listed twice: the first is kept")
            continue
        seen.add(result.bid_id)
        capacity = result.capacity
        problem = amount_problem(capacity)
        if problem:
            # Too many places: the verdict still matters (an accepted bid keeps its capacity
            # held), so it is kept with the capacity rounded down, as the engine rounds.
            rounded = _rounded_down(capacity)
            if rounded is None:
                report.anomalies.append(
                    f"bid {label}: capacity {safe_text(capacity)} {problem}: not recorded"
                )
                continue
            report.anomalies.append(
                f"bid {label}: capacity {safe_text(capacity)} {problem}: recorded as {rounded}"
            )
            capacity = rounded
        bid = ours.get(result.bid_id)
        if bid is not None and bid[1] != competition_id:
            report.anomalies.append(
                f"bid {label} is one of ours in competition {bid[1]}: not recorded here"
            )
            continue
        if bid is None:
            report.anomalies.append(f"bid {label} is not one of ours: recorded without our bid")
        elif bid[2] != result.service_window_id:
            report.anomalies.append(
                f"bid {label} was for window {bid[2]}, the result names window "
                f"{safe_text(result.service_window_id, 64)}: recorded as the market says"
            )
        status = OutcomeStatus(result.status.value)
        if result.bid_id not in known:
            try:
                with session.begin_nested():
                    session.add(
                        BidOutcome(
                            competition_id=competition_id,
                            market_bid_id=result.bid_id,
                            market_ballot_id=result.ballot_id,
                            bid_id=bid[0] if bid else None,
                            service_window_id=result.service_window_id,
                            status=status,
                            capacity=capacity,
                            rejection_reason=result.rejection_reason,
                            recorded_at=now,
                            dry_run=dry_run,
                        )
                    )
            except (SQLAlchemyError, ValueError, TypeError) as exc:
                report.anomalies.append(f"bid {label}: not recorded: {why(exc)}")
                continue
            report.recorded.append(status.value)
        if status is OutcomeStatus.ACCEPTED:
            report.accepted += 1
        else:
            report.rejected += 1
        report.lines.append(
            {
                "bid_id": result.bid_id,
                "service_window_id": result.service_window_id,
                "status": status.value,
                "capacity": str(capacity),
                "rejection_reason": result.rejection_reason,
            }
        )
    for anomaly in report.anomalies:
        add_event(session, competition_id, "result_anomaly", anomaly, now, dry_run=dry_run)
    return report


def _rounded_down(value: Decimal) -> Decimal | None:
    """`value` to 3 places, rounded down, when only its places are wrong; else None."""
    try:
        rounded = value.quantize(Decimal("0.001"), rounding=ROUND_DOWN)
    except (InvalidOperation, AttributeError, TypeError):
        return None
    return rounded if amount_problem(rounded) is None else None


def _our_bids(session: Session, market_bid_ids: list[str]) -> dict[str, tuple[int, str, str]]:
    """Our bids by market id: (our row id, the competition its ballot is for, its window)."""
    wanted = {i for i in market_bid_ids if isinstance(i, str) and len(i) <= 64}
    if not wanted:
        return {}
    rows = session.execute(
        select(Bid.market_bid_id, Bid.id, Ballot.competition_id, Bid.service_window_id)
        .join(Ballot, Ballot.id == Bid.ballot_id)
        .where(Bid.market_bid_id.in_(wanted))
        .order_by(Bid.id)
    )
    return {
        market_id: (bid_id, competition, window)
        for market_id, bid_id, competition, window in rows
        if market_id
    }
