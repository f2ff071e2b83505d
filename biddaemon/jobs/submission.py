"""Sending a ballot and knowing, always, what happened to it (principles 1 and 2).

The ballot row is committed as SUBMITTING before the POST. Afterwards it is SUBMITTED (with the
market's ids), REJECTED (with the market's text), UNKNOWN (the outcome is ambiguous), or back to
DRAFT when the request provably never left. An UNKNOWN or SUBMITTING ballot is reconciled by
listing the competition's ballots on the market before anything else is sent for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.clock import utcnow
from biddaemon.errors import AmbiguousSubmission, RejectedByMarket, RetryLater
from biddaemon.jobs import notify
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import Ballot as MarketBallot
from biddaemon.markets.piclo import BallotRequest, parse_max_runtime, parse_wire
from biddaemon.store.database import transaction
from biddaemon.store.models import AttemptOutcome, Ballot, BallotState, SubmissionAttempt

log = get_logger(__name__)

IN_DOUBT = (BallotState.SUBMITTING, BallotState.UNKNOWN)
LIVE = (BallotState.SUBMITTED, *IN_DOUBT)


class BallotMarket(Protocol):
    """The two market calls this module needs (the real client, or the dry-run one)."""

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> MarketBallot: ...

    def list_ballots(self, competition_id: str) -> list[MarketBallot]: ...


BidKey = tuple[str, Decimal, str | None, tuple[tuple[str, Decimal], ...]]


def _bid_key(window: str, capacity: Any, runtime: Any, rates: Iterable[Any]) -> BidKey:
    runtime_text = None if runtime is None else str(parse_max_runtime(str(runtime)))
    return (
        window,
        Decimal(str(capacity)),
        runtime_text,
        tuple(sorted((str(rate["type"]), Decimal(str(rate["value"]))) for rate in rates)),
    )


def content_of_request(
    body: dict[str, Any],
) -> tuple[tuple[BidKey, ...], tuple[str, ...], tuple[str, ...]]:
    """What identifies a ballot we sent: its bids and its asset set, order aside."""
    bids = tuple(
        sorted(
            _bid_key(b["service_window_id"], b["capacity"], b.get("max_runtime"), b["rates"])
            for b in body["bids"]
        )
    )
    assets = body.get("assets") or {}
    return bids, tuple(sorted(assets.get("flex", ()))), tuple(sorted(assets.get("planned", ())))


def content_of_market(
    ballot: MarketBallot,
) -> tuple[tuple[BidKey, ...], tuple[str, ...], tuple[str, ...]]:
    return content_of_request(ballot.to_wire())


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
) -> SubmissionResult:
    """POST a ballot already committed as SUBMITTING; record the attempt and the new state."""
    with transaction(factory) as session:
        ballot = session.get_one(Ballot, ballot_id)
        if ballot.state is not BallotState.SUBMITTING:
            raise ValueError(f"ballot {ballot_id} is {ballot.state}, not submitting")
        attempt = SubmissionAttempt(ballot_id=ballot_id, started_at=utcnow(), dry_run=dry_run)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
        competition_id = ballot.competition_id
        request = parse_wire(BallotRequest, ballot.request_body, what="stored ballot")

    try:
        answer = market.submit_ballot(competition_id, request)
    except RejectedByMarket as exc:
        metrics.SUBMISSIONS.labels(status=str(exc.status_code)).inc()
        return _finish(
            factory,
            ballot_id,
            attempt_id,
            BallotState.REJECTED,
            exc.status_code,
            AttemptOutcome.REJECTED,
            exc.detail,
            dry_run=dry_run,
        )
    except AmbiguousSubmission as exc:
        metrics.SUBMISSIONS.labels(status="ambiguous").inc()
        return _finish(
            factory,
            ballot_id,
            attempt_id,
            BallotState.UNKNOWN,
            None,
            AttemptOutcome.AMBIGUOUS,
            str(exc),
            dry_run=dry_run,
        )
    except RetryLater as exc:
        # Only a write that provably never left ends here: it may simply be sent again later.
        metrics.SUBMISSIONS.labels(status="not_sent").inc()
        return _finish(
            factory,
            ballot_id,
            attempt_id,
            BallotState.DRAFT,
            None,
            AttemptOutcome.NOT_SENT,
            str(exc),
            dry_run=dry_run,
        )

    metrics.SUBMISSIONS.labels(status="dry_run" if dry_run else "201").inc()
    with transaction(factory) as session:
        ballot = session.get_one(Ballot, ballot_id)
        _mark_submitted(session, ballot, answer)
        attempt = session.get_one(SubmissionAttempt, attempt_id)
        attempt.finished_at = utcnow()
        attempt.http_status = None if dry_run else 201
        attempt.outcome = AttemptOutcome.NOT_SENT if dry_run else AttemptOutcome.SUBMITTED
    log.info(
        "ballot submitted",
        competition=competition_id,
        ballot=ballot_id,
        market_ballot=answer.id,
        bids=len(answer.bids),
        dry_run=dry_run,
    )
    return SubmissionResult(BallotState.SUBMITTED, answer.id)


def _finish(
    factory: sessionmaker[Session],
    ballot_id: int,
    attempt_id: int,
    state: BallotState,
    http_status: int | None,
    outcome: AttemptOutcome,
    detail: str,
    *,
    dry_run: bool,
) -> SubmissionResult:
    with transaction(factory) as session:
        ballot = session.get_one(Ballot, ballot_id)
        ballot.state = state
        ballot.updated_at = utcnow()
        if state is BallotState.REJECTED:
            ballot.rejection_text = detail
            notify.enqueue(
                session,
                "ballot_rejected",
                {"competition_id": ballot.competition_id, "ballot_id": ballot.id, "reason": detail},
                dry_run=dry_run,
            )
        attempt = session.get_one(SubmissionAttempt, attempt_id)
        attempt.finished_at = utcnow()
        attempt.http_status = http_status
        attempt.outcome = outcome
        attempt.error_text = detail
        competition_id = ballot.competition_id
    event = {
        BallotState.REJECTED: "ballot rejected by the market",
        BallotState.UNKNOWN: "ballot outcome unknown: will reconcile before sending again",
        BallotState.DRAFT: "ballot not sent: the market could not be reached",
    }[state]
    log.warning(event, competition=competition_id, ballot=ballot_id, detail=detail)
    return SubmissionResult(state, None, detail)


def _mark_submitted(session: Session, ballot: Ballot, answer: MarketBallot) -> None:
    """SUBMITTED with the market's ids; the ballot it replaces becomes SUPERSEDED."""
    now = utcnow()
    for older in session.scalars(
        select(Ballot).where(
            Ballot.competition_id == ballot.competition_id,
            Ballot.state == BallotState.SUBMITTED,
            Ballot.id != ballot.id,
        )
    ):
        older.state = BallotState.SUPERSEDED
        older.updated_at = now
    ballot.state = BallotState.SUBMITTED
    ballot.market_ballot_id = answer.id
    ballot.submitted_at = ballot.submitted_at or now
    ballot.updated_at = now
    _assign_bid_ids(ballot, answer)


def _assign_bid_ids(ballot: Ballot, answer: MarketBallot) -> None:
    """Give each of our bids the market's id, matching by window, capacity, runtime and rates."""
    remaining = list(answer.bids)
    for bid in ballot.bids:
        ours = _bid_key(bid.service_window_id, bid.capacity, bid.max_runtime, _rates_of(bid))
        for index, theirs in enumerate(remaining):
            key = _bid_key(
                theirs.service_window_id,
                theirs.capacity,
                theirs.to_wire().get("max_runtime"),
                theirs.to_wire()["rates"],
            )
            if key == ours:
                bid.market_bid_id = theirs.id
                del remaining[index]
                break


def _rates_of(bid: Any) -> list[dict[str, Any]]:
    rates = [
        ("availability", bid.availability_rate),
        ("utilisation", bid.utilisation_rate),
        ("service_fee", bid.service_fee_rate),
    ]
    return [{"type": kind, "value": value} for kind, value in rates if value is not None]


def reconcile_competition(
    factory: sessionmaker[Session], market: BallotMarket, competition_id: str
) -> list[tuple[int, BallotState]]:
    """Resolve every SUBMITTING/UNKNOWN ballot of one competition against the market's list.

    A market ballot we do not already know whose content equals ours is ours: SUBMITTED. None:
    the POST never landed, so the ballot returns to DRAFT and may be sent again.
    """
    with factory() as session:
        doubtful = session.scalars(
            select(Ballot.id)
            .where(Ballot.competition_id == competition_id, Ballot.state.in_(IN_DOUBT))
            .order_by(Ballot.id)
        ).all()
    if not doubtful:
        return []
    on_market = market.list_ballots(competition_id)
    resolved: list[tuple[int, BallotState]] = []
    with transaction(factory) as session:
        known = set(
            session.scalars(
                select(Ballot.market_ballot_id).where(Ballot.market_ballot_id.is_not(None))
            )
        )
        for ballot_id in doubtful:
            ballot = session.get_one(Ballot, ballot_id)
            ours = content_of_request(ballot.request_body)
            match = _find(on_market, ours, known)
            if match is not None:
                _mark_submitted(session, ballot, match)
                known.add(match.id)
                resolved.append((ballot_id, BallotState.SUBMITTED))
                log.info(
                    "reconciled: the market has our ballot",
                    competition=competition_id,
                    ballot=ballot_id,
                    market_ballot=match.id,
                )
            else:
                ballot.state = BallotState.DRAFT
                ballot.updated_at = utcnow()
                resolved.append((ballot_id, BallotState.DRAFT))
                log.info(
                    "reconciled: the market never stored our ballot",
                    competition=competition_id,
                    ballot=ballot_id,
                )
    return resolved


def _find(
    candidates: Sequence[MarketBallot],
    ours: tuple[tuple[BidKey, ...], tuple[str, ...], tuple[str, ...]],
    known: set[str | None],
) -> MarketBallot | None:
    for candidate in candidates:  # newest first, as the market lists them
        if candidate.id in known:
            continue
        if content_of_market(candidate) == ours:
            return candidate
    return None


def competitions_in_doubt(factory: sessionmaker[Session]) -> list[str]:
    """Competitions with a ballot whose fate we do not know yet (start-up reconciliation)."""
    with factory() as session:
        return list(
            session.scalars(
                select(Ballot.competition_id)
                .where(Ballot.state.in_(IN_DOUBT))
                .distinct()
                .order_by(Ballot.competition_id)
            )
        )
