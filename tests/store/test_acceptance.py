"""The outcomes the acceptance model learns from: each joined to its bid's rates and the guide
prices its decision saw, dry runs and unknown bids left out; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.markets.piclo import Competition
from biddaemon.store import migrate
from biddaemon.store.acceptance import recorded_outcomes
from biddaemon.store.competitions import save_competition
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.models import Ballot, BallotState, Bid, BidOutcome, OutcomeStatus
from biddaemon.strategy.acceptance import AcceptanceModel, RecordedOutcome
from tests.conftest import FIXTURES

NOW = datetime(2027, 1, 20, 10, tzinfo=UTC)
COMPETITION: dict[str, Any] = json.loads((FIXTURES / "piclo" / "competition.json").read_text())
OURS = COMPETITION["id"]  # SP Energy Networks, availability_utilisation, guide 15.00 / 300.00


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        save_competition(session, Competition.model_validate(COMPETITION), NOW - timedelta(days=9))
    yield factory
    engine.dispose()


def add_ballot(
    session: Session,
    bids: list[tuple[str, str, OutcomeStatus | None, bool]],
    *,
    guide: dict[str, str | None] | None = None,
) -> None:
    """bids: (market bid id, availability rate, outcome or None, dry run)."""
    decision = {"competition": {"guide_prices": guide}} if guide is not None else {}
    ballot = Ballot(
        competition_id=OURS,
        fingerprint=str(len(bids)).ljust(64, "0") if guide is None else "g".ljust(64, "0"),
        state=BallotState.SUBMITTED,
        flex_asset_ids=[],
        planned_asset_ids=[],
        request_body={},
        decision=decision,
        strategy="portfolio",
        created_at=NOW,
        updated_at=NOW,
    )
    for position, (market_id, rate, _, _) in enumerate(bids):
        ballot.bids.append(
            Bid(
                position=position,
                service_window_id="sW12gWx",
                capacity=Decimal("1.000"),
                market_bid_id=market_id,
                availability_rate=Decimal(rate),
                utilisation_rate=Decimal("280.00"),
            )
        )
    session.add(ballot)
    session.flush()
    for bid, (market_id, _, status, dry_run) in zip(ballot.bids, bids, strict=True):
        if status is not None:
            session.add(
                BidOutcome(
                    competition_id=OURS,
                    market_bid_id=market_id,
                    bid_id=bid.id,
                    service_window_id="sW12gWx",
                    status=status,
                    capacity=Decimal("1.000"),
                    recorded_at=NOW,
                    dry_run=dry_run,
                )
            )


def test_outcomes_carry_operator_type_ratio_and_verdict(
    factory: sessionmaker[Session],
) -> None:
    accepted, rejected = OutcomeStatus.ACCEPTED, OutcomeStatus.REJECTED
    with transaction(factory) as session:
        add_ballot(
            session,
            [
                ("b1", "12.00", accepted, False),
                ("b2", "15.00", rejected, False),
                ("b3", "13.50", accepted, True),  # a dry run: no SO decided it
                ("b4", "13.50", None, False),  # no result yet
            ],
        )
    with factory() as session:
        outcomes = recorded_outcomes(session)
    kind = "availability_utilisation"
    assert outcomes == [
        RecordedOutcome("SP Energy Networks", kind, Decimal("0.8"), True),
        RecordedOutcome("SP Energy Networks", kind, Decimal("1"), False),
    ]
    model = AcceptanceModel.learn(outcomes)
    (curve,) = model.curves()
    assert curve.outcomes == 2


def test_the_guide_prices_the_decision_saw_come_first(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        add_ballot(
            session,
            [("b1", "10.00", OutcomeStatus.ACCEPTED, False)],
            guide={"availability": "20.00", "utilisation": "300.00"},
        )
    with factory() as session:
        (outcome,) = recorded_outcomes(session)
    assert outcome.ratio == Decimal("0.5")
