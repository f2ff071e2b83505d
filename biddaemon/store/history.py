"""The record of what biddaemon decided, sent and got back, per competition (for `history`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from biddaemon.store.models import Ballot, BidOutcome, Competition, OpportunityObservation


def competition_history(
    session: Session, competition_id: str | None = None
) -> list[dict[str, Any]]:
    """Every competition (or one) with its ballots, bids, decisions and outcomes, as plain data."""
    query = (
        select(Competition)
        .options(
            selectinload(Competition.ballots).selectinload(Ballot.bids),
            selectinload(Competition.ballots).selectinload(Ballot.attempts),
            selectinload(Competition.events),
        )
        .order_by(Competition.competition_close.desc(), Competition.id)
    )
    if competition_id is not None:
        query = query.where(Competition.id == competition_id)
    competitions = session.scalars(query).all()
    outcomes: dict[str, BidOutcome] = {
        outcome.market_bid_id: outcome
        for outcome in session.scalars(
            select(BidOutcome).where(BidOutcome.competition_id.in_([c.id for c in competitions]))
        )
    }
    unrecorded: dict[str, list[dict[str, Any]]] = {}
    for observation in session.scalars(
        select(OpportunityObservation)
        .where(
            OpportunityObservation.competition_id.in_([c.id for c in competitions]),
            OpportunityObservation.error.is_not(None),
        )
        .order_by(OpportunityObservation.id)
    ):
        unrecorded.setdefault(observation.competition_id, []).append(
            {"at": _iso(observation.observed_at), "detail": observation.error}
        )
    return [_competition(c, outcomes, unrecorded.get(c.id, [])) for c in competitions]


def _competition(
    competition: Competition,
    outcomes: dict[str, BidOutcome],
    unrecorded: list[dict[str, Any]],
) -> dict[str, Any]:
    """`events`: what changed under our ballots and results we could not take as given."""
    return {
        "id": competition.id,
        "name": competition.name,
        "operator": competition.operator_name,
        "type": competition.type,
        "need_direction": competition.need_direction,
        "status": competition.status,
        "competition_close": _iso(competition.competition_close),
        "results_status": competition.results_status,
        "done": competition.done,
        "last_decision": competition.last_decision,
        "last_decided_at": _iso(competition.last_decided_at),
        "ballots": [_ballot(b, outcomes) for b in competition.ballots],
        "events": [
            {
                "at": _iso(event.at),
                "kind": event.kind,
                "subject": event.subject,
                "detail": event.detail,
                "dry_run": event.dry_run,
            }
            for event in competition.events
        ],
        "unrecorded_observations": unrecorded,
    }


def _ballot(ballot: Ballot, outcomes: dict[str, BidOutcome]) -> dict[str, Any]:
    return {
        "id": ballot.id,
        "state": ballot.state.value,
        "market_ballot_id": ballot.market_ballot_id,
        "fingerprint": ballot.fingerprint,
        "strategy": ballot.strategy,
        "dry_run": ballot.dry_run,
        "created_at": _iso(ballot.created_at),
        "submitted_at": _iso(ballot.submitted_at),
        "rejection_text": ballot.rejection_text,
        "assets": {"flex": ballot.flex_asset_ids, "planned": ballot.planned_asset_ids},
        "attempts": [
            {
                "started_at": _iso(a.started_at),
                "http_status": a.http_status,
                "outcome": a.outcome.value if a.outcome else None,
                "error": a.error_text,
            }
            for a in ballot.attempts
        ],
        "bids": [
            {
                "service_window_id": bid.service_window_id,
                "capacity": str(bid.capacity),
                "max_runtime": bid.max_runtime,
                "rates": {
                    name: str(value)
                    for name, value in (
                        ("availability", bid.availability_rate),
                        ("utilisation", bid.utilisation_rate),
                        ("service_fee", bid.service_fee_rate),
                    )
                    if value is not None
                },
                "market_bid_id": bid.market_bid_id,
                "outcome": _outcome(outcomes.get(bid.market_bid_id or "")),
            }
            for bid in ballot.bids
        ],
        "decision": ballot.decision,
    }


def _outcome(outcome: BidOutcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "status": outcome.status.value,
        "capacity": str(outcome.capacity),
        "rejection_reason": outcome.rejection_reason,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
