"""Every move a ballot may make, and the ones it may not, pinned against the store's operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.bidding.allocation import AssetShare
from biddaemon.bidding.fingerprint import BidValues
from biddaemon.bidding.plan import BallotPlan, PlannedBid
from biddaemon.jobs.ballot_body import request_body
from biddaemon.store import ballots, migrate, reconciliation
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import (
    TRANSITIONS,
    Allocation,
    AttemptOutcome,
    Ballot,
    BallotState,
    Competition,
    IllegalTransition,
    transition,
)
from biddaemon.strategy.snapshot import WindowSpec

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
HORIZON = timedelta(seconds=90)
S = BallotState

ALLOWED = {
    (S.DRAFT, S.SUBMITTING),
    (S.SUBMITTING, S.SUBMITTED),
    (S.SUBMITTING, S.REJECTED),
    (S.SUBMITTING, S.UNKNOWN),
    (S.SUBMITTING, S.DRAFT),
    (S.UNKNOWN, S.SUBMITTED),
    (S.UNKNOWN, S.DRAFT),
    (S.UNKNOWN, S.SUPERSEDED),
    (S.SUBMITTED, S.SUPERSEDED),
}

WINDOW = WindowSpec(
    id="w1",
    period_id="p1",
    name=None,
    start_date=date(2027, 11, 1),
    end_date=date(2028, 3, 1),
    start_time=time(16),
    end_time=time(19),
    days=frozenset({"mon", "tue"}),
    bank_holidays="excluded",
    capacity_required=Decimal("5.000"),
)


def plan(mw: str = "1.500", fingerprint: str = "f" * 64) -> BallotPlan:
    bid = PlannedBid(
        window_id="w1",
        capacity=Decimal(mw),
        rates={"availability": Decimal("10.00")},
        max_runtime=timedelta(hours=2),
        allocations=(AssetShare("flex", "battery", Decimal(mw)),),
        source="proposed",
    )
    return BallotPlan(
        competition_id="c1",
        bids=(bid,),
        flex_asset_ids=("battery",),
        planned_asset_ids=(),
        supersedes=None,
        fingerprint=fingerprint,
        content_fingerprint=fingerprint,
        strategy="test",
    )


@pytest.fixture
def factory(database_url: str) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        session.add(
            Competition(
                id="c1",
                type="availability",
                need_direction="deficit",
                status="open",
                raw={},
                competition_close=NOW + timedelta(days=5),
                first_observed_at=NOW,
                observed_at=NOW,
            )
        )
    return factory


def save(factory: sessionmaker[Session], the_plan: BallotPlan | None = None) -> int | None:
    the_plan = the_plan or plan()
    with transaction(factory) as session:
        saved = ballots.save_submitting(
            session,
            the_plan,
            {"outcome": "ballot"},
            {"w1": WINDOW},
            body=request_body(the_plan),
            now=NOW,
            dry_run=False,
        )
    return None if saved is None else saved.ballot_id


def state_of(factory: sessionmaker[Session], ballot_id: int) -> BallotState:
    with factory() as session:
        return session.get_one(Ballot, ballot_id).state


def landed_copy(market_id: str = "m1", mw: str = "1.500") -> ballots.Landed:
    values = BidValues("w1", Decimal(mw), {"availability": Decimal("10.00")}, timedelta(hours=2))
    return ballots.Landed(market_id, True, ("battery",), (), (ballots.LandedBid("b1", values),))


def start_attempt(factory: sessionmaker[Session], ballot_id: int, at: datetime = NOW) -> int:
    with transaction(factory) as session:
        return ballots.record_attempt(session, ballot_id, at, dry_run=False).attempt_id


def test_the_transition_table_is_exactly_the_state_machine() -> None:
    table = {(source, to) for source, targets in TRANSITIONS.items() for to in targets}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(BallotState)


@pytest.mark.parametrize(("source", "to"), sorted(ALLOWED))
def test_every_allowed_transition_moves_the_ballot(source: BallotState, to: BallotState) -> None:
    ballot = Ballot(id=7, state=source, updated_at=NOW - timedelta(hours=1))
    transition(ballot, to, NOW)
    assert ballot.state is to
    assert ballot.updated_at == NOW


@pytest.mark.parametrize(
    ("source", "to"),
    sorted({(a, b) for a in BallotState for b in BallotState} - ALLOWED),
)
def test_an_illegal_move_raises_naming_both_states(source: BallotState, to: BallotState) -> None:
    ballot = Ballot(id=7, state=source)
    with pytest.raises(IllegalTransition, match=rf"from {source.value} to {to.value}"):
        transition(ballot, to, NOW)
    assert ballot.state is source


def test_a_draft_that_never_left_is_sent_again_on_the_next_cycle(
    factory: sessionmaker[Session],
) -> None:
    ballot_id = save(factory)
    assert ballot_id is not None
    attempt = start_attempt(factory, ballot_id)
    with transaction(factory) as session:
        ballots.mark_not_sent(session, ballot_id, NOW)
        ballots.settle_attempt(session, attempt, AttemptOutcome.NOT_SENT, NOW)
    assert state_of(factory, ballot_id) is BallotState.DRAFT
    assert save(factory) == ballot_id, "the same row is sent again"
    assert state_of(factory, ballot_id) is BallotState.SUBMITTING


def test_a_ballot_the_market_rejected_is_never_resent_with_the_same_content(
    factory: sessionmaker[Session],
) -> None:
    ballot_id = save(factory)
    assert ballot_id is not None
    start_attempt(factory, ballot_id)
    with transaction(factory) as session:
        ballots.mark_rejected(session, ballot_id, "capacity too high", NOW)
    assert save(factory) is None
    assert state_of(factory, ballot_id) is BallotState.REJECTED


def test_a_submitted_ballot_supersedes_the_one_before_and_gets_the_market_ids(
    factory: sessionmaker[Session],
) -> None:
    first = save(factory)
    assert first is not None
    with transaction(factory) as session:
        ballots.mark_submitted(session, first, landed_copy("m1"), NOW)
    second = save(factory, plan("1.000", "e" * 64))
    assert second is not None
    with transaction(factory) as session:
        ballots.mark_submitted(session, second, landed_copy("m2", "1.000"), NOW)
    with factory() as session:
        assert session.get_one(Ballot, first).state is BallotState.SUPERSEDED
        newer = session.get_one(Ballot, second)
        assert newer.state is BallotState.SUBMITTED
        assert newer.market_ballot_id == "m2"
        assert [b.market_bid_id for b in newer.bids] == ["b1"]


def test_a_ballot_is_saved_with_its_allocations_in_the_same_transaction(
    factory: sessionmaker[Session],
) -> None:
    ballot_id = save(factory)
    with factory() as session:
        rows = session.scalars(select(Allocation).where(Allocation.ballot_id == ballot_id)).all()
        assert [(r.asset_id, r.capacity, r.start_time) for r in rows] == [
            ("battery", Decimal("1.500"), time(16))
        ]
        held = Ledger.load(session, NOW, timedelta(minutes=15)).held_for("another")
    assert [(c.competition_id, c.capacity) for c in held] == [("c1", Decimal("1.500"))]


def reconcile(factory: sessionmaker[Session], listing: list[Any], at: datetime) -> None:
    with transaction(factory) as session:
        reconciliation.reconcile(session, "c1", listing, at, horizon=HORIZON, dry_run=False)


def test_an_unanswered_write_not_yet_listed_stays_unknown_until_it_can_no_longer_land(
    factory: sessionmaker[Session],
) -> None:
    ballot_id = save(factory)
    assert ballot_id is not None
    start_attempt(factory, ballot_id)  # then the process died: no answer
    reconcile(factory, [], NOW + timedelta(seconds=5))
    assert state_of(factory, ballot_id) is BallotState.UNKNOWN
    with factory() as session:
        assert "may still land" in ballots.doubts(session)[0][2]
    reconcile(factory, [], NOW + HORIZON + timedelta(seconds=1))
    assert state_of(factory, ballot_id) is BallotState.DRAFT


def test_an_unknown_ballot_found_in_the_listing_is_submitted(
    factory: sessionmaker[Session],
) -> None:
    ballot_id = save(factory)
    assert ballot_id is not None
    start_attempt(factory, ballot_id)
    reconcile(factory, [], NOW)
    reconcile(factory, [landed_copy("m9")], NOW + timedelta(seconds=10))
    with factory() as session:
        ballot = session.get_one(Ballot, ballot_id)
        assert ballot.state is BallotState.SUBMITTED
        assert ballot.market_ballot_id == "m9"
        assert ballot.doubt_reason is None
        assert session.scalars(select(Ballot).where(Ballot.adopted)).all() == []


def test_a_market_ballot_we_do_not_know_is_adopted_and_its_mw_held(
    factory: sessionmaker[Session],
) -> None:
    from biddaemon.store.models import ServicePeriod, ServiceWindow

    with transaction(factory) as session:
        period = ServicePeriod(
            id="p1", competition_id="c1", start_date=WINDOW.start_date, end_date=WINDOW.end_date
        )
        period.windows.append(
            ServiceWindow(
                id="w1",
                competition_id="c1",
                start_time=WINDOW.start_time,
                end_time=WINDOW.end_time,
                days=["mon", "tue"],
                capacity_required=Decimal("5.000"),
            )
        )
        session.add(period)
    reconcile(factory, [landed_copy("late")], NOW)
    with factory() as session:
        adopted = session.scalars(select(Ballot).where(Ballot.adopted)).one()
        assert adopted.state is BallotState.SUBMITTED
        assert adopted.market_ballot_id == "late"
        assert [b.market_bid_id for b in adopted.bids] == ["b1"]
        held = Ledger.load(session, NOW, timedelta(minutes=15)).held_for("another")
    assert [(c.asset_id, c.capacity) for c in held] == [("battery", Decimal("1.500"))]
    reconcile(factory, [landed_copy("late")], NOW)
    with factory() as session:
        assert len(session.scalars(select(Ballot)).all()) == 1, "adopted once"
