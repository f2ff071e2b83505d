"""Which promises a competition's decision must respect: first come, first served, and never
capacity held by a ballot that can no longer change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.store import migrate
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.ledger import held_elsewhere
from biddaemon.store.models import Ballot, BallotState, Competition

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


def record(competition_id: str, mw: str) -> dict[str, Any]:
    return {
        "version": 1,
        "outcome": "ballot",
        "competition": {"id": competition_id},
        "bids": [
            {
                "window_id": f"w-{competition_id}",
                "window": {
                    "start_date": "2027-11-01",
                    "end_date": "2028-03-01",
                    "start_time": "16:00:00",
                    "end_time": "19:00:00",
                    "days": ["mon", "tue", "wed", "thu", "fri"],
                },
                "allocation": [{"kind": "flex", "asset_id": "battery", "capacity": mw}],
            }
        ],
    }


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker[Session]:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    return session_factory(engine)


def add(factory: sessionmaker[Session], competition_id: str, closes: datetime, mw: str) -> None:
    with transaction(factory) as session:
        session.add(
            Competition(
                id=competition_id,
                type="availability",
                need_direction="deficit",
                status="open",
                raw={},
                competition_close=closes,
                first_observed_at=NOW,
                observed_at=NOW,
            )
        )
        session.flush()
        session.add(
            Ballot(
                competition_id=competition_id,
                fingerprint=competition_id.ljust(64, "0"),
                state=BallotState.SUBMITTED,
                flex_asset_ids=["battery"],
                planned_asset_ids=[],
                request_body={},
                decision=record(competition_id, mw),
                strategy="test",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def held(factory: sessionmaker[Session], competition_id: str) -> dict[str, str]:
    with factory() as session:
        found = held_elsewhere(session, competition_id, frozen_before=NOW + timedelta(minutes=15))
    return {c.competition_id: str(c.capacity) for c in found}


def test_an_earlier_open_competition_does_not_yield_to_a_later_open_one(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "first", NOW + timedelta(days=5), "1.500")
    add(factory, "second", NOW + timedelta(days=5), "0.500")
    assert held(factory, "first") == {}
    assert held(factory, "second") == {"first": "1.500"}


def test_a_later_ballot_that_can_no_longer_change_always_counts(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "first", NOW + timedelta(days=5), "1.500")
    add(factory, "closed-later", NOW - timedelta(hours=1), "0.500")
    add(factory, "closing-later", NOW + timedelta(minutes=10), "0.250")
    assert held(factory, "first") == {"closed-later": "0.500", "closing-later": "0.250"}


def test_a_new_competition_respects_every_live_promise(factory: sessionmaker[Session]) -> None:
    add(factory, "first", NOW + timedelta(days=5), "1.500")
    add(factory, "second", NOW + timedelta(days=5), "0.500")
    assert held(factory, "brand-new") == {"first": "1.500", "second": "0.500"}
