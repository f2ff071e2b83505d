"""Read-only: the outcomes of our bids, as the acceptance model learns from them.

One query joins each recorded outcome to the bid it decided (its rates), that bid's ballot (the
guide prices the engine recorded when it decided) and the competition (operator and type).
Outcomes of dry runs are left out (no SO decided them), as are outcomes whose bid we do not
know or whose price ratio cannot be worked out (no guide price for the ranking rate).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from biddaemon.store.models import Ballot, Bid, BidOutcome, Competition, OutcomeStatus
from biddaemon.strategy.acceptance import RecordedOutcome, price_ratio


def recorded_outcomes(session: Session) -> list[RecordedOutcome]:
    """Every real outcome of one of our bids, oldest first, with its price ratio."""
    rows = session.execute(
        select(
            BidOutcome.status,
            Bid.availability_rate,
            Bid.utilisation_rate,
            Bid.service_fee_rate,
            Ballot.decision,
            Competition.operator_name,
            Competition.type,
            Competition.raw,
        )
        .join(Bid, BidOutcome.bid_id == Bid.id)
        .join(Ballot, Bid.ballot_id == Ballot.id)
        .join(Competition, Ballot.competition_id == Competition.id)
        .where(BidOutcome.dry_run.is_(False))
        .order_by(BidOutcome.id)
    ).all()
    outcomes: list[RecordedOutcome] = []
    for status, availability, utilisation, service_fee, decision, operator, kind, raw in rows:
        rates = {
            name: value
            for name, value in (
                ("availability", availability),
                ("utilisation", utilisation),
                ("service_fee", service_fee),
            )
            if value is not None
        }
        ratio = price_ratio(kind, rates, _guide_prices(decision, raw))
        if ratio is not None:
            outcomes.append(
                RecordedOutcome(operator, kind, ratio, status is OutcomeStatus.ACCEPTED)
            )
    return outcomes


def _guide_prices(decision: Any, raw: Any) -> dict[str, Decimal | None]:
    """The guide prices the decision saw; the competition's payload when the record lacks them."""
    recorded = decision.get("competition", {}).get("guide_prices") if decision else None
    prices: dict[str, Decimal | None] = {}
    for name in ("availability", "utilisation", "service_fee"):
        value = recorded.get(name) if isinstance(recorded, dict) else None
        if value is None and isinstance(raw, dict):
            value = raw.get(f"{name}_guide_price")
        prices[name] = _decimal(value)
    return prices


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
