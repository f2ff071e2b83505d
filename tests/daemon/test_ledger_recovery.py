"""Ballots in doubt against the sandbox over HTTP: an unreadable listing at start-up, a write that
lands late, and a ballot on the market that the database did not know.

Every misbehaviour is the sandbox's own fault machinery (`malformed` rewriting a listing,
`late_ballot` storing a POST after the client gave up), never an edit of its private state.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from biddaemon.cli import main
from biddaemon.daemon.health import HealthState, evaluate
from biddaemon.sandbox import FaultSpec, SandboxServer
from biddaemon.store import ballots as store_ballots
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import Allocation, Ballot, BallotState, BidOutcome
from tests.daemon.conftest import START, DaemonFactory, wait_until

# The client gives up on a POST after this long; the market holds a late one for longer (on its
# own clock, frozen in these tests: the ballot lands when the test moves the clock).
TIMEOUT = {"PICLO__TIMEOUT_SECONDS": "1"}


def posts_for(market: SandboxServer, competition_id: str) -> int:
    return sum(
        1
        for r in market.traffic.records()
        if r.operation == "submit_ballot" and competition_id in r.path
    )


def stored(market: SandboxServer) -> Counter[str]:
    return Counter(s.ballot.competition_id for s in market.market.all_ballots())


def test_an_unreadable_listing_at_start_up_keeps_that_ballot_in_doubt_and_once_bids_the_rest(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    engine: Engine,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    market.faults.add(FaultSpec(kind="ambiguous_ballot", count=1, then="drop"))
    first = make_daemon().opportunities()
    (doubtful,) = first["unknown"]
    # The market now lists that ballot with a runtime of a billion days (issue 16, case 3);
    # every other competition's listing is whole.
    huge = "1000000000T00:00:00"
    market.faults.add(
        FaultSpec(
            kind="malformed",
            endpoint="list_ballots",
            path_contains=doubtful,
            replace={"*.bids.*.max_runtime": huge},
        )
    )
    others_before = {c: n for c, n in stored(market).items() if c != doubtful}

    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BIDDAEMON_STRATEGY__PRICE_FRACTION", "0.80")  # the others change
    capsys.readouterr()
    assert main(["once", "--job", "opportunities"]) == 0
    out = capsys.readouterr().out
    assert doubtful in out

    with Session(engine) as session:
        ballot = session.scalars(select(Ballot).where(Ballot.competition_id == doubtful)).one()
        assert ballot.state is BallotState.UNKNOWN, "nothing decided about it from bad data"
        assert ballot.doubt_reason
        doubts = store_ballots.doubts(session)
    assert posts_for(market, doubtful) == 1, "nothing more was sent for it"
    after = stored(market)
    assert all(after[c] == n + 1 for c, n in others_before.items()), "every other one was bid"

    state = HealthState(started_at=START, max_age={}, role="active", in_doubt=lambda: doubts)
    healthy, body = evaluate(state, now=START)
    assert healthy
    assert body["in_doubt"][0]["competition"] == doubtful
    assert "reconciliation failed" in body["in_doubt"][0]["reason"]

    capsys.readouterr()
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert f"in doubt: competition {doubtful}" in status
    assert "reconciliation failed" in status


def test_a_write_that_lands_late_is_waited_for_not_sent_twice(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    # Held for 20 s of the market's clock: longer than the client waits, within the horizon.
    market.faults.add(FaultSpec(kind="late_ballot", seconds=20, count=1, then="drop"))
    daemon = make_daemon(**TIMEOUT)
    first = daemon.opportunities()
    (late,) = first["unknown"]
    # The market is still holding the request: its listing does not show the ballot yet.
    assert stored(market)[late] == 0
    second = daemon.opportunities()
    assert late in second["skipped"], "in doubt: nothing else is sent for it yet"
    assert "may still land" in second["skipped"][late]
    assert posts_for(market, late) == 1
    market.clock.advance(20)
    wait_until(lambda: stored(market)[late] == 1, 10, what="the held ballot lands")
    third = daemon.opportunities()
    assert late not in third["skipped"]
    assert stored(market)[late] == 1, "no duplicate"
    assert posts_for(market, late) == 1
    with Session(engine) as session:
        ballot = session.scalars(select(Ballot).where(Ballot.competition_id == late)).one()
        assert ballot.state is BallotState.SUBMITTED
        assert ballot.market_ballot_id == market.market.ballots(late)[0].ballot.id


def test_a_ballot_the_database_does_not_know_is_adopted_counted_and_gets_its_results(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    # The market holds our first POST for longer than the landing horizon (timeout + margin).
    market.faults.add(FaultSpec(kind="late_ballot", seconds=120, count=1, then="drop"))
    daemon = make_daemon(**TIMEOUT)
    first = daemon.opportunities()
    assert first["submitted"] > 0
    (competition_id,) = first["unknown"]
    with Session(engine) as session:
        ours = session.scalars(select(Ballot).where(Ballot.competition_id == competition_id)).one()
    horizon = store_ballots.landing_horizon(daemon.settings.piclo.timeout_seconds)
    assert horizon.total_seconds() < 60
    market.clock.advance(60)  # past the horizon: found never stored, so it is sent again
    resent = daemon.opportunities()
    assert resent["submitted"] == 1
    assert stored(market)[competition_id] == 1
    # The late twin of our first POST lands after we reconciled: the active ballot is unknown.
    market.clock.advance(60)
    wait_until(lambda: stored(market)[competition_id] == 2, 10, what="the late twin lands")
    twin = market.market.ballots(competition_id)[0].ballot
    sent = posts_for(market, competition_id)

    second = daemon.opportunities()
    assert competition_id not in second["skipped"]
    assert posts_for(market, competition_id) == sent, "the twin equals ours: nothing sent"
    with Session(engine) as session:
        adopted = session.scalars(select(Ballot).where(Ballot.adopted)).one()
        assert adopted.market_ballot_id == twin.id
        assert adopted.state is BallotState.SUBMITTED
        assert session.get_one(Ballot, ours.id).state is BallotState.SUPERSEDED
        assert session.scalars(select(Allocation).where(Allocation.ballot_id == adopted.id)).all()
        held = Ledger.load(session, START, daemon.settings.safety_margin).held_for("other")
        assert competition_id in {c.competition_id for c in held}, "its MW are counted"
        adopted_bids = {b.market_bid_id: b.id for b in adopted.bids}

    market.clock.advance(20 * 24 * 3600)
    daemon.results()
    with Session(engine) as session:
        outcomes = session.scalars(
            select(BidOutcome).where(BidOutcome.competition_id == competition_id)
        ).all()
    assert outcomes
    assert {o.bid_id for o in outcomes} <= set(adopted_bids.values())
    assert all(o.bid_id == adopted_bids[o.market_bid_id] for o in outcomes)
