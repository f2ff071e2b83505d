"""The competition store: the market's latest description is always stored, never refused.

Renumbered periods, moved and removed windows replace what was stored; what changed under a
ballot we sent is kept as an event; one observation that cannot be stored stops no other.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.errors import BadMarketData
from biddaemon.markets.piclo import BiddingOpportunity, Competition
from biddaemon.store import migrate
from biddaemon.store.competitions import (
    bid_into_but_not_listed,
    record_observation,
    save_competition,
    save_decision,
)
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.models import (
    Ballot,
    BallotState,
    Bid,
    CompetitionEvent,
    OpportunityObservation,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.store.models import Competition as StoredCompetition
from biddaemon.store.storable import amount_problem
from tests.conftest import FIXTURES

NOW = datetime(2027, 1, 5, 10, tzinfo=UTC)
WIRE: dict[str, Any] = json.loads((FIXTURES / "piclo" / "competition.json").read_text())


def competition(change: Any = None) -> Competition:
    """The fixture competition, after `change(wire)` edits its JSON."""
    wire = copy.deepcopy(WIRE)
    if change is not None:
        change(wire)
    return Competition.model_validate(wire)


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def save(factory: sessionmaker[Session], value: Competition, now: datetime = NOW) -> list[str]:
    with transaction(factory) as session:
        return save_competition(session, value, now)


def stored_windows(factory: sessionmaker[Session]) -> dict[str, tuple[str, str]]:
    """window id -> (period id, capacity required)."""
    with factory() as session:
        return {
            w.id: (w.service_period_id, str(w.capacity_required))
            for w in session.scalars(select(ServiceWindow))
        }


def bid_on(factory: sessionmaker[Session], window_id: str, *, state: BallotState) -> None:
    with transaction(factory) as session:
        ballot = Ballot(
            competition_id=WIRE["id"],
            fingerprint=f"{state.value}-{window_id}".ljust(64, "0"),
            state=state,
            flex_asset_ids=[],
            planned_asset_ids=[],
            request_body={},
            decision={},
            strategy="test",
            created_at=NOW,
            updated_at=NOW,
        )
        ballot.bids.append(Bid(position=0, service_window_id=window_id, capacity=Decimal("1.000")))
        session.add(ballot)


def events(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(CompetitionEvent.detail).order_by(CompetitionEvent.id)))


def test_a_period_renumbered_while_its_windows_keep_their_ids_is_stored(
    factory: sessionmaker[Session],
) -> None:
    save(factory, competition())

    def renumber(wire: dict[str, Any]) -> None:
        wire["service_periods"][0]["id"] = "spNEW01"

    save(factory, competition(renumber), NOW + timedelta(hours=1))
    assert stored_windows(factory) == {
        "sW12gWx": ("spNEW01", "2.000"),
        "sW98hQz": ("spNEW01", "1.250"),
    }
    with factory() as session:
        assert list(session.scalars(select(ServicePeriod.id))) == ["spNEW01"]
        row = session.get_one(StoredCompetition, WIRE["id"])
        assert [p.id for p in row.periods] == ["spNEW01"]
        assert [w.id for w in row.periods[0].windows] == ["sW12gWx", "sW98hQz"]


def test_windows_moved_renumbered_and_removed_are_stored_as_the_market_now_describes_them(
    factory: sessionmaker[Session],
) -> None:
    save(factory, competition())

    def reshape(wire: dict[str, Any]) -> None:
        first = wire["service_periods"][0]
        weekday, weekend = first["service_windows"]
        weekend["id"] = "sWrenum"
        first["service_windows"] = [weekend]
        wire["service_periods"].append(
            {
                "id": "spSPRING",
                "name": "Spring",
                "start_date": "2028-03-01",
                "end_date": "2028-05-01",
                "service_windows": [{**weekday, "capacity_required": "3.000"}],
            }
        )

    save(factory, competition(reshape), NOW + timedelta(hours=1))
    assert stored_windows(factory) == {
        "sW12gWx": ("spSPRING", "3.000"),
        "sWrenum": ("sp9Kx2a", "1.250"),
    }
    save(factory, competition(), NOW + timedelta(hours=2))
    assert stored_windows(factory) == {
        "sW12gWx": ("sp9Kx2a", "2.000"),
        "sW98hQz": ("sp9Kx2a", "1.250"),
    }
    assert events(factory) == [], "nothing was bid, so nothing changed under a ballot of ours"


def test_a_window_removed_or_changed_after_we_bid_is_kept_as_an_event(
    factory: sessionmaker[Session],
) -> None:
    save(factory, competition())
    bid_on(factory, "sW12gWx", state=BallotState.SUBMITTED)
    bid_on(factory, "sW98hQz", state=BallotState.SUPERSEDED)

    def change(wire: dict[str, Any]) -> None:
        wire["competition_close"] = "2027-01-10T17:00:00Z"
        windows = wire["service_periods"][0]["service_windows"]
        windows[0]["capacity_required"] = "1.500"
        del windows[1]

    changes = save(factory, competition(change), NOW + timedelta(hours=1))
    assert changes == events(factory)
    assert changes == [
        "competition closes early: close moved from 2027-01-18T17:00:00+00:00 to "
        "2027-01-10T17:00:00+00:00 after we bid",
        "window sW12gWx changed after we bid: capacity_required 2.000 -> 1.500",
        "window sW98hQz removed after we bid",
    ]
    assert set(stored_windows(factory)) == {"sW12gWx"}
    again = save(factory, competition(change), NOW + timedelta(hours=2))
    assert again == [], "a change is recorded once, when it is first seen"


def test_a_draft_that_never_left_is_not_a_bid_whose_window_changes_are_kept(
    factory: sessionmaker[Session],
) -> None:
    save(factory, competition())
    bid_on(factory, "sW98hQz", state=BallotState.DRAFT)

    def remove(wire: dict[str, Any]) -> None:
        del wire["service_periods"][0]["service_windows"][1]

    assert save(factory, competition(remove)) == []


def test_a_capacity_required_the_store_cannot_hold_is_bad_data_naming_the_window(
    factory: sessionmaker[Session],
) -> None:
    def odd(wire: dict[str, Any]) -> None:
        wire["service_periods"][0]["service_windows"][0]["capacity_required"] = "2.0004"

    try:
        value = competition(odd)
    except ValueError:
        pytest.skip("the wire model refuses the value at the boundary")
    if value.windows[0].capacity_required == Decimal("2.000"):
        save(factory, value)  # quantised at the boundary: stored as such
        assert stored_windows(factory)["sW12gWx"] == ("sp9Kx2a", "2.000")
        return
    with pytest.raises(BadMarketData, match=r"sW12gWx capacity_required 2.0004 has more than 3"):
        save(factory, value)


def test_one_observation_the_store_cannot_hold_is_kept_with_its_reason_and_the_rest_written(
    factory: sessionmaker[Session],
) -> None:
    good = BiddingOpportunity.model_validate(
        {"competition_id": "q3RtY7u", "assets": {"flex": ["aB12cD3"]}, "total_capacity": "1.200"}
    )
    odd = good.model_copy(
        update={"competition_id": "z8mpC6x", "total_capacity": Decimal("2.4000000000000004")}
    )
    huge = good.model_copy(update={"competition_id": "x" * 500})
    with transaction(factory) as session:
        reasons = [record_observation(session, o, NOW, dry_run=False) for o in (odd, huge, good)]
    assert (
        reasons[0] == "total_capacity 2.4000000000000004 has more than 3 decimal places: not stored"
    )
    assert reasons[2] is None
    with factory() as session:
        rows = {
            o.competition_id: (o.total_capacity, o.error)
            for o in session.scalars(select(OpportunityObservation))
        }
    assert rows["z8mpC6x"] == (None, reasons[0])
    assert rows["q3RtY7u"] == (Decimal("1.200"), None)
    if reasons[1] is not None:  # PostgreSQL refuses a 500-character id; SQLite keeps it
        assert reasons[1].startswith("observation not stored:")
        assert "x" * 500 not in rows


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1.250", None),
        ("2.4000000000000004", "has more than 3 decimal places"),
        ("1E+30", "has more than 11 digits before the point"),
        ("NaN", "is not a finite number"),
        ("Infinity", "is not a finite number"),
    ],
)
def test_amount_problem_names_what_the_mw_column_cannot_hold(
    value: str, problem: str | None
) -> None:
    assert amount_problem(Decimal(value)) == problem


def test_competitions_we_bid_into_that_left_the_list_are_named_for_a_re_read(
    factory: sessionmaker[Session],
) -> None:
    save(factory, competition())
    assert bid_into_but_not_listed_now(factory, []) == []
    bid_on(factory, "sW12gWx", state=BallotState.SUBMITTED)
    assert bid_into_but_not_listed_now(factory, [WIRE["id"]]) == []
    assert bid_into_but_not_listed_now(factory, []) == [WIRE["id"]]

    def closed(wire: dict[str, Any]) -> None:
        wire["status"] = "closed"

    save(factory, competition(closed))
    assert bid_into_but_not_listed_now(factory, []) == [], "read once more, then known closed"


def bid_into_but_not_listed_now(factory: sessionmaker[Session], listed: list[str]) -> list[str]:
    with factory() as session:
        return bid_into_but_not_listed(session, listed)


def test_the_latest_decision_is_kept_on_the_competition(factory: sessionmaker[Session]) -> None:
    save(factory, competition())
    with transaction(factory) as session:
        save_decision(session, WIRE["id"], {"outcome": "refused"}, NOW)
    with factory() as session:
        row = session.get_one(StoredCompetition, WIRE["id"])
        assert (row.last_decision, row.last_decided_at) == ({"outcome": "refused"}, NOW)
