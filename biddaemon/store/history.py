"""The record of what biddaemon decided, sent and got back, per competition.

`competition_history` reads it as plain data and `summary_row` / `main_reason` condense it to
one line; `biddaemon history` prints both and the dashboard's competition pages render the
same records, so the terminal and the page never disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from biddaemon.store.models import Ballot, BidOutcome, Competition, OpportunityObservation

SENT_STATES = ("submitted", "superseded")


def competition_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Competition)) or 0


def competition_history(
    session: Session,
    competition_id: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Every competition (or one, or a page of `limit` from `offset`, latest close first) with
    its ballots, bids, decisions and outcomes, as plain data."""
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
    if limit is not None:
        query = query.limit(limit).offset(offset)
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


def summary_row(record: dict[str, Any]) -> dict[str, str]:
    """The one-line view of a competition, from its latest ballot and the bids' outcomes."""
    ballots = record["ballots"]
    latest = ballots[-1] if ballots else None
    bids = latest["bids"] if latest else []
    mw = sum((Decimal(bid["capacity"]) for bid in bids), Decimal(0))
    value = sum(
        (Decimal(bid["capacity"]) * Decimal(bid["rates"].get("availability", 0)) for bid in bids),
        Decimal(0),
    )
    outcomes = [bid["outcome"] for ballot in ballots for bid in ballot["bids"] if bid["outcome"]]
    accepted = sum(1 for o in outcomes if o["status"] == "accepted")
    if outcomes:
        outcome = f"{accepted} accepted, {len(outcomes) - accepted} not"
    elif latest is not None and latest["state"] in SENT_STATES:
        outcome = "awaiting results"
    else:
        outcome = "-"
    state = record["status"] or "?"
    if latest is not None:
        state += f", ballot {latest['state']}"
    return {
        "competition": record["id"],
        "closes": record["competition_close"] or "?",
        "state": state,
        "windows": str(len(bids)),
        "MW": str(mw),
        "£/h avail.": str(value.quantize(Decimal("0.01"))),
        "outcome": outcome,
        "reason": main_reason(record) + _noted(record),
    }


def _noted(record: dict[str, Any]) -> str:
    """Points at changes under our ballots and odd results, shown in full with --competition."""
    noted = len(record.get("events", ())) + len(record.get("unrecorded_observations", ()))
    return f" ({noted} market change(s) or anomaly(ies) noted)" if noted else ""


def main_reason(record: dict[str, Any]) -> str:
    """The last decision in a few words: what it did and its first reason, if it gave one."""
    decision = record["last_decision"] or (
        record["ballots"][-1]["decision"] if record["ballots"] else None
    )
    if not decision:
        return "no decision yet"
    outcome = str(decision.get("outcome") or "?")
    reasons = [
        *decision.get("reasons", ()),
        *("; ".join(r.get("reasons", ())) for r in decision.get("rejected", ())),
        *(s.get("reason") for s in decision.get("skipped", ())),
        *decision.get("notes", ()),
    ]
    error = decision.get("error")
    if error:
        reasons.insert(0, f"strategy error: {error.get('type')}: {error.get('message')}")
    first = next((str(reason) for reason in reasons if reason), "")
    if outcome == "ballot" and not first:
        first = f"{len(decision.get('bids', ()))} window(s) bid"
    return f"{outcome}: {first}" if first else outcome
