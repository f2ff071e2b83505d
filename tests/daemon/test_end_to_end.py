"""The daemon against the sandbox market over real HTTP on loopback, from opportunity to results."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from biddaemon.cli import main
from biddaemon.clock import use_clock
from biddaemon.jobs.submission import submit
from biddaemon.sandbox import FaultSpec, SandboxServer
from biddaemon.store.history import competition_history
from biddaemon.store.models import (
    Ballot,
    BallotState,
    BidOutcome,
    Competition,
    JobRun,
    JobStatus,
    Notification,
    OutcomeStatus,
    SubmissionAttempt,
)
from tests.daemon.conftest import LONG_TOKENS, START, DaemonFactory


def posts(market: SandboxServer) -> int:
    """Ballot POSTs the market received (whatever it answered)."""
    return sum(1 for r in market.traffic.records() if r.operation == "submit_ballot")


def stored_per_competition(market: SandboxServer) -> Counter[str]:
    return Counter(s.ballot.competition_id for s in market.market.all_ballots())


def states(engine: Engine) -> Counter[BallotState]:
    with Session(engine) as session:
        return Counter(session.scalars(select(Ballot.state)))


def test_full_lifecycle_from_opportunity_to_published_results(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    daemon = make_daemon()
    report = daemon.opportunities()
    assert report["submitted"] >= 5
    assert report["skipped"] == {}
    assert states(engine)[BallotState.SUBMITTED] == report["submitted"]
    assert posts(market) == report["submitted"]

    market.clock.advance(timedelta(days=20).total_seconds())
    results = daemon.results()
    assert results["published"] == report["submitted"]
    assert results["accepted"] > 0
    assert results["rejected"] > 0

    with Session(engine) as session:
        outcomes = session.scalars(select(BidOutcome)).all()
        assert len(outcomes) == results["accepted"] + results["rejected"]
        assert all(o.bid_id is not None for o in outcomes), "every outcome matched to our bid"
        rejected = [o for o in outcomes if o.status is OutcomeStatus.REJECTED]
        assert all(o.rejection_reason for o in rejected)
        assert session.scalar(select(func.count()).where(Competition.done)) == results["published"]
        assert (
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "results_published")
            )
            == results["published"]
        )
        history = competition_history(session)
    bid_outcomes = [
        bid["outcome"]["status"]
        for competition in history
        for ballot in competition["ballots"]
        for bid in ballot["bids"]
        if bid["outcome"]
    ]
    assert Counter(bid_outcomes) == {
        "accepted": results["accepted"],
        "rejected": results["rejected"],
    }

    again = daemon.results()
    assert again["checked"] == 0, "finished competitions are not polled again"


def test_a_second_cycle_with_nothing_changed_sends_nothing(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    daemon = make_daemon()
    first = daemon.opportunities()
    sent = posts(market)
    assert sent == first["submitted"] > 0
    second = daemon.opportunities()
    assert second["submitted"] == 0
    assert second["unchanged"] == first["submitted"]
    assert posts(market) == sent


def test_a_changed_strategy_setting_resubmits_full_ballots_with_the_same_asset_sets(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    make_daemon(STRATEGY__PRICE_FRACTION="0.95").opportunities()
    before = {s.ballot.competition_id: s.ballot for s in market.market.all_ballots() if s.active}

    report = make_daemon(STRATEGY__PRICE_FRACTION="0.80").opportunities()
    assert report["submitted"] == len(before)
    after = {s.ballot.competition_id: s.ballot for s in market.market.all_ballots() if s.active}
    assert set(after) == set(before)
    for competition_id, new in after.items():
        old = before[competition_id]
        assert new.id != old.id
        assert new.assets == old.assets, "a resubmission keeps exactly the same asset set"
        assert {b.service_window_id for b in new.bids} == {b.service_window_id for b in old.bids}, (
            "a resubmission is a full ballot"
        )


def test_an_ambiguous_submission_is_reconciled_without_a_duplicate(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="ambiguous_ballot", count=1, then="drop"))
    daemon = make_daemon()
    first = daemon.opportunities()
    assert len(first["unknown"]) == 1
    (competition_id,) = first["unknown"]
    assert stored_per_competition(market)[competition_id] == 1, "the market did store it"
    with Session(engine) as session:
        attempt = session.scalars(
            select(SubmissionAttempt).where(SubmissionAttempt.outcome == "ambiguous")
        ).one()
        assert attempt.http_status is None

    second = daemon.opportunities()
    assert second["unknown"] == {}
    assert stored_per_competition(market)[competition_id] == 1, "reconciled, not sent again"
    assert states(engine)[BallotState.UNKNOWN] == 0
    with Session(engine) as session:
        ballot = session.scalars(
            select(Ballot).where(Ballot.competition_id == competition_id)
        ).one()
        assert ballot.state is BallotState.SUBMITTED
        assert ballot.market_ballot_id == market.market.ballots(competition_id)[0].ballot.id


def test_an_ambiguous_500_that_was_not_stored_is_resent_after_reconciliation(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="error", endpoint="submit_ballot", status=500, count=1))
    daemon = make_daemon()
    first = daemon.opportunities()
    (competition_id,) = first["unknown"]
    assert stored_per_competition(market)[competition_id] == 0
    second = daemon.opportunities()
    assert second["submitted"] == 1
    assert stored_per_competition(market)[competition_id] == 1
    assert states(engine)[BallotState.UNKNOWN] == 0


def test_429_5xx_and_an_expired_token_are_survived(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    market.faults.add(
        FaultSpec(kind="rate_limit", endpoint="list_bidding_opportunities", seconds=0.2, count=1)
    )
    market.faults.add(FaultSpec(kind="error", endpoint="get_competition", status=503, count=2))
    market.faults.add(FaultSpec(kind="error", endpoint="list_ballots", status=502, count=1))
    daemon = make_daemon()
    report = daemon.opportunities()
    assert report["skipped"] == {}
    assert report["submitted"] > 0
    statuses = Counter(r.status for r in market.traffic.records())
    assert statuses[429] == 1
    assert statuses[503] == 2
    assert statuses[502] == 1


def test_an_expired_token_gets_a_401_and_a_fresh_login(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    daemon = make_daemon()
    use_clock(lambda: START)  # our clock lags the market's: our token looks fresh to us
    daemon.opportunities()
    market.clock.advance(LONG_TOKENS + 60)  # ...but the market says it has expired
    report = daemon.opportunities()
    assert report["skipped"] == {}
    records = market.traffic.records()
    assert Counter(r.status for r in records)[401] == 1
    assert sum(1 for r in records if r.operation == "authtoken") == 2


def test_a_malformed_competition_is_skipped_while_the_others_are_bid(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="malformed", endpoint="get_competition", count=1))
    # One attempt per read: a truncated answer that retries could not mend (they would: see
    # tests/daemon/test_market_outages.py).
    daemon = make_daemon(PICLO__MAX_ATTEMPTS="1")
    report = daemon.opportunities()
    assert len(report["skipped"]) == 1
    (reason,) = report["skipped"].values()
    assert "bad market data" in reason
    assert report["submitted"] == report["opportunities"] - 1 - len(report["refused"])
    with Session(engine) as session:
        run = session.scalars(select(JobRun)).one()
        assert run.status is JobStatus.SUCCEEDED
        assert run.details is not None
        assert json.dumps(run.details["skipped"])


def test_a_rejected_ballot_is_recorded_with_the_markets_reason(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    daemon = make_daemon()
    daemon.opportunities()
    # A ballot the referee refuses (the engine never builds one): over capacity_required.
    with Session(engine) as session:
        sent = session.scalars(select(Ballot)).first()
        assert sent is not None
        sent_id = sent.id
        body = json.loads(json.dumps(sent.request_body))
        body["bids"][0]["capacity"] = "999999.000"
        bad = Ballot(
            competition_id=sent.competition_id,
            fingerprint="f" * 64,
            state=BallotState.SUBMITTING,
            flex_asset_ids=sent.flex_asset_ids,
            planned_asset_ids=sent.planned_asset_ids,
            request_body=body,
            decision={},
            strategy="test",
            created_at=sent.created_at,
            updated_at=sent.created_at,
        )
        session.add(bad)
        session.commit()
        ballot_id = bad.id

    result = submit(daemon.factory, daemon.client, ballot_id, dry_run=False)
    assert result.state is BallotState.REJECTED
    assert "capacity" in (result.detail or "")
    with Session(engine) as session:
        ballot = session.get_one(Ballot, ballot_id)
        assert ballot.rejection_text == result.detail
        assert ballot.attempts[-1].http_status == 400
        assert session.get_one(Ballot, sent_id).state is BallotState.SUBMITTED
        notices = session.scalars(
            select(Notification).where(Notification.kind == "ballot_rejected")
        ).all()
        assert [n.payload["reason"] for n in notices] == [result.detail]


def test_dry_run_sends_nothing_and_flags_every_row(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    daemon = make_daemon(DRY_RUN="true")
    first = daemon.opportunities()
    assert first["submitted"] > 0
    assert posts(market) == 0
    second = daemon.opportunities()
    assert second["submitted"] == 0, "the rehearsal also knows what it already 'sent'"
    with Session(engine) as session:
        assert all(session.scalars(select(Ballot.dry_run)))
        assert all(session.scalars(select(SubmissionAttempt.dry_run)))
        assert all(session.scalars(select(JobRun.dry_run)))
        ids = session.scalars(select(Ballot.market_ballot_id)).all()
    assert all(i and i.startswith("dryrun-") for i in ids)


def test_history_shows_each_ballot_with_its_bids_and_reasons(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    daemon = make_daemon()
    submitted = daemon.opportunities()["submitted"]
    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    ballots = [b for r in records for b in r["ballots"]]
    assert len(ballots) == submitted
    assert all(b["state"] == "submitted" and b["bids"] for b in ballots)
    assert all(b["decision"]["outcome"] == "ballot" for b in ballots)

    one = records[0]["id"]
    assert main(["history", "--competition", one]) == 0
    text = capsys.readouterr().out
    assert one in text
    assert "bid " in text
    assert "from: price_fraction 0.95" in text
