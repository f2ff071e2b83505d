"""Ballots in doubt against the sandbox over HTTP: an unreadable listing at start-up, a write that
lands late, and a ballot on the market that the database did not know."""

from __future__ import annotations

import dataclasses
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
from tests.daemon.conftest import START, DaemonFactory


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
    # The market now lists that ballot with a runtime of a billion days (issue 16, case 3).
    held = market.market._ballots[doubtful]
    huge = "1000000000T00:00:00"
    held[-1] = dataclasses.replace(
        held[-1], bids=tuple(dataclasses.replace(b, max_runtime=huge) for b in held[-1].bids)
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
    market.faults.add(FaultSpec(kind="ambiguous_ballot", count=1, then="drop"))
    daemon = make_daemon()
    first = daemon.opportunities()
    (late,) = first["unknown"]
    # The market is still holding the request: its listing does not show the ballot yet.
    holding = market.market._ballots.pop(late)
    second = daemon.opportunities()
    assert late in second["skipped"], "in doubt: nothing else is sent for it yet"
    assert "may still land" in second["skipped"][late]
    assert posts_for(market, late) == 1
    market.market._ballots[late] = holding
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
    daemon = make_daemon()
    first = daemon.opportunities()
    assert first["submitted"] > 0
    with Session(engine) as session:
        ours = session.scalars(select(Ballot).order_by(Ballot.id)).first()
        assert ours is not None
        competition_id, body = ours.competition_id, ours.request_body
    # A late twin of our POST lands after we reconciled: the market's active ballot is unknown.
    twin = market.market.submit_ballot(competition_id, body)
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
