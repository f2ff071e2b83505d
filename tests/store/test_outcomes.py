"""Bid outcomes: one result at a time, anomalies kept with their reasons, the rest recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.markets.piclo import (
    BidResult,
    BidResults,
    BidResultStatus,
    Competition,
    ResultsStatus,
)
from biddaemon.store import migrate
from biddaemon.store.competitions import save_competition
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.models import (
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    CompetitionEvent,
)
from biddaemon.store.outcomes import OutcomesReport, awaiting_results, mark_done, record_outcomes
from tests.conftest import FIXTURES

NOW = datetime(2027, 1, 20, 10, tzinfo=UTC)
COMPETITION: dict[str, Any] = json.loads((FIXTURES / "piclo" / "competition.json").read_text())
RESULTS: dict[str, Any] = json.loads((FIXTURES / "piclo" / "bid_results.json").read_text())
OURS = COMPETITION["id"]
OTHER = "q3RtY7u"


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        for competition_id in (OURS, OTHER):
            wire = {**COMPETITION, "id": competition_id}
            if competition_id == OTHER:
                wire["service_periods"] = []
            save_competition(session, Competition.model_validate(wire), NOW - timedelta(days=10))
        ballot(session, OURS, {"sW12gWx": "bD11aAa", "sW98hQz": "bD22bBb"})
        ballot(session, OTHER, {"sWother": "bDother"})
    yield factory
    engine.dispose()


def ballot(session: Session, competition_id: str, bids: dict[str, str]) -> None:
    row = Ballot(
        competition_id=competition_id,
        fingerprint=competition_id.ljust(64, "0"),
        state=BallotState.SUBMITTED,
        flex_asset_ids=[],
        planned_asset_ids=[],
        request_body={},
        decision={},
        strategy="test",
        created_at=NOW,
        updated_at=NOW,
    )
    for position, (window_id, market_bid_id) in enumerate(bids.items()):
        row.bids.append(
            Bid(
                position=position,
                service_window_id=window_id,
                capacity=Decimal("1.000"),
                market_bid_id=market_bid_id,
            )
        )
    session.add(row)


WINDOW_OF = {"bD11aAa": "sW12gWx", "bD22bBb": "sW98hQz", "bDother": "sWother"}


def result(bid_id: str, *, capacity: str = "1.000", status: str = "accepted") -> dict[str, Any]:
    return {
        "bid_id": bid_id,
        "ballot_id": "bL55xYz",
        "service_window_id": WINDOW_OF.get(bid_id, "sW12gWx"),
        "status": status,
        "capacity": capacity,
        "rejection_reason": None if status == "accepted" else "too dear",
    }


def record(
    factory: sessionmaker[Session], results: BidResults, competition_id: str = OURS
) -> OutcomesReport:
    with transaction(factory) as session:
        return record_outcomes(session, competition_id, results, NOW, dry_run=False)


def outcomes(factory: sessionmaker[Session]) -> dict[str, tuple[str, int | None]]:
    with factory() as session:
        return {
            o.market_bid_id: (o.status.value, o.bid_id)
            for o in session.scalars(select(BidOutcome).where(BidOutcome.competition_id == OURS))
        }


def test_published_results_are_recorded_against_our_bids_once(
    factory: sessionmaker[Session],
) -> None:
    results = BidResults.model_validate(RESULTS)
    first = record(factory, results)
    assert (first.accepted, first.rejected, first.anomalies) == (1, 1, [])
    assert first.recorded == ["accepted", "rejected"]
    again = record(factory, results)
    assert (again.accepted, again.rejected, again.recorded) == (1, 1, [])
    recorded = outcomes(factory)
    assert {k: v[0] for k, v in recorded.items()} == {"bD11aAa": "accepted", "bD22bBb": "rejected"}
    assert all(bid_id is not None for _, bid_id in recorded.values())


def test_a_bid_listed_twice_one_unknown_and_one_of_another_competition_stop_no_other_result(
    factory: sessionmaker[Session],
) -> None:
    results = BidResults.model_validate(
        {
            "competition_id": OURS,
            "status": "published",
            "results": [
                result("bD11aAa"),
                result("bD11aAa", status="rejected"),
                result("bDother"),
                result("bDnobody"),
                result("bD22bBb", status="rejected"),
            ],
        }
    )
    report = record(factory, results)
    assert report.anomalies == [
        "bid bD11aAa listed twice: the first is kept",
        f"bid bDother is one of ours in competition {OTHER}: not recorded here",
        "bid bDnobody is not one of ours: recorded without our bid",
    ]
    recorded = outcomes(factory)
    assert {k: v[0] for k, v in recorded.items()} == {
        "bD11aAa": "accepted",
        "bDnobody": "accepted",
        "bD22bBb": "rejected",
    }
    assert recorded["bDnobody"][1] is None
    with factory() as session:
        kept = session.scalars(
            select(CompetitionEvent.detail).where(CompetitionEvent.kind == "result_anomaly")
        ).all()
    assert kept == report.anomalies


def test_a_capacity_with_too_many_places_is_kept_rounded_down_and_noted(
    factory: sessionmaker[Session],
) -> None:
    # Built past the wire model, which may quantise or refuse it at the boundary.
    good = BidResult.model_validate(result("bD22bBb", status="rejected"))
    odd = good.model_copy(
        update={
            "bid_id": "bD11aAa",
            "service_window_id": "sW12gWx",
            "status": BidResultStatus.ACCEPTED,
            "capacity": Decimal("1.2345"),
        }
    )
    results = BidResults.model_construct(
        competition_id=OURS, status=ResultsStatus.PUBLISHED, results=(odd, good)
    )
    report = record(factory, results)
    assert report.anomalies == [
        "bid bD11aAa: capacity 1.2345 has more than 3 decimal places: recorded as 1.234"
    ]
    assert {k: v[0] for k, v in outcomes(factory).items()} == {
        "bD11aAa": "accepted",
        "bD22bBb": "rejected",
    }, "an accepted bid stays accepted: its capacity stays held"
    assert (report.accepted, report.rejected) == (1, 1)
    with factory() as session:
        assert session.scalars(
            select(BidOutcome.capacity).where(BidOutcome.market_bid_id == "bD11aAa")
        ).one() == Decimal("1.234")


def test_a_capacity_that_is_not_a_finite_amount_is_not_recorded_and_the_others_are(
    factory: sessionmaker[Session],
) -> None:
    good = BidResult.model_validate(result("bD22bBb", status="rejected"))
    odd = good.model_copy(
        update={"bid_id": "bD11aAa", "service_window_id": "sW12gWx", "capacity": Decimal("1E+30")}
    )
    results = BidResults.model_construct(
        competition_id=OURS, status=ResultsStatus.PUBLISHED, results=(odd, good)
    )
    report = record(factory, results)
    assert report.anomalies == [
        "bid bD11aAa: capacity 1E+30 has more than 11 digits before the point: not recorded"
    ]
    assert set(outcomes(factory)) == {"bD22bBb"}


def test_a_result_naming_another_window_than_our_bid_is_recorded_and_noted(
    factory: sessionmaker[Session],
) -> None:
    moved = {**result("bD22bBb", status="rejected"), "service_window_id": "sW12gWx"}
    results = BidResults.model_validate({**RESULTS, "results": [result("bD11aAa"), moved]})
    report = record(factory, results)
    assert report.anomalies == [
        "bid bD22bBb was for window sW98hQz, the result names window sW12gWx: recorded as the "
        "market says"
    ]
    assert set(outcomes(factory)) == {"bD11aAa", "bD22bBb"}


def test_results_naming_another_competition_record_only_our_bids_of_the_one_asked(
    factory: sessionmaker[Session],
) -> None:
    results = BidResults.model_validate({**RESULTS, "competition_id": "zzzzzzz"})
    report = record(factory, results)
    assert report.anomalies == [
        f"the results name competition zzzzzzz, not {OURS}: only bids of ours in {OURS} are "
        "recorded"
    ]
    assert set(outcomes(factory)) == {"bD11aAa", "bD22bBb"}


def test_results_are_awaited_once_closed_by_time_or_by_the_status_last_read(
    factory: sessionmaker[Session],
) -> None:
    before_close = datetime(2027, 1, 10, tzinfo=UTC)
    with factory() as session:
        assert awaiting_results(session, before_close) == []
        assert awaiting_results(session, NOW) == [OTHER, OURS], "same close: by id"
    closed_early = {**COMPETITION, "status": "closed", "competition_close": "2027-01-09T17:00:00Z"}
    with transaction(factory) as session:
        save_competition(session, Competition.model_validate(closed_early), before_close)
    with factory() as session:
        assert awaiting_results(session, before_close) == [OURS]
    with transaction(factory) as session:
        mark_done(session, OURS, NOW)
    with factory() as session:
        assert awaiting_results(session, NOW) == [OTHER]
