"""Bad items and changing competitions over HTTP: each one is handled alone, nothing stops the rest.

The market here is the sandbox behind `TamperingSandbox`, so a test can make it send what its
own code never would (a JSON number with 16 places, a bid listed twice), and change competitions
under us (`Market.replace_competition`: closed early, renumbered, a window removed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from biddaemon.cli import main
from biddaemon.sandbox import SandboxConfig
from biddaemon.store.history import competition_history
from biddaemon.store.models import (
    Ballot,
    BidOutcome,
    Competition,
    JobRun,
    JobStatus,
    OpportunityObservation,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.store.outcomes import awaiting_results
from tests.daemon.conftest import LONG_TOKENS, SEED, START, DaemonFactory
from tests.daemon.tamper import TamperingSandbox

RESULTS_DAY = timedelta(days=20).total_seconds()


@pytest.fixture(scope="module")
def _market_server() -> Iterator[TamperingSandbox]:
    with TamperingSandbox(
        SandboxConfig(start=START, speed=0, seed=SEED, token_lifetime_seconds=LONG_TOKENS)
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_rewrites(_market_server: TamperingSandbox) -> Iterator[None]:
    _market_server.rewrites.clear()
    yield
    _market_server.rewrites.clear()


def items(body: Any) -> list[dict[str, Any]]:
    return body["results"] if isinstance(body, dict) else body


def bid_into(market: TamperingSandbox) -> set[str]:
    return {s.ballot.competition_id for s in market.market.all_ballots()}


def one_we_bid_into(market: TamperingSandbox) -> str:
    return sorted(bid_into(market))[0]


# -- case 1: one opportunity the store cannot hold as listed ---------------------------------


def test_one_opportunity_with_a_16_place_capacity_stops_no_other_competition(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    listed = [o.competition.id for o in market.market.opportunities()]
    odd = listed[0]

    def odd_capacity(body: Any) -> Any:
        for item in items(body):
            if item["competition_id"] == odd:
                item["total_capacity"] = 2.4000000000000004  # a JSON number, as floats print
        return body

    market.rewrite(r"^/bidding-opportunities/v1/", odd_capacity)
    daemon = make_daemon()
    report = daemon.opportunities()
    others = set(listed) - {odd}
    assert {c: r for c, r in report["skipped"].items() if c != odd} == {}
    assert others <= bid_into(market) | set(report["refused"]), "every other competition is bid"
    assert len(bid_into(market) - {odd}) >= 5
    with Session(engine) as session:
        assert session.scalars(select(JobRun.status)).one() is JobStatus.SUCCEEDED
        observed = session.scalars(
            select(OpportunityObservation).where(OpportunityObservation.competition_id == odd)
        ).all()
        stored_others = session.scalar(
            select(func.count())
            .select_from(OpportunityObservation)
            .where(OpportunityObservation.competition_id != odd)
        )
    assert stored_others == len(others), "the other observations are written"
    if odd in report["skipped"]:  # refused at the boundary, with a reason naming the field
        assert "total_capacity" in report["skipped"][odd]
    elif observed and observed[0].total_capacity is not None:  # quantised at the boundary
        assert observed[0].total_capacity == Decimal("2.400")
    else:  # taken as sent: stored without the figure, and the reason kept
        assert observed[0].error is not None
        assert "2.4000000000000004" in observed[0].error
        assert "2.4000000000000004" in report["unrecorded"][odd]

    again = daemon.opportunities()
    assert {c: r for c, r in again["skipped"].items() if c != odd} == {}
    assert again["submitted"] == 0, "nothing changed: every cycle goes on, none resends"


# -- case 2: published results with anomalies ------------------------------------------------


def test_results_with_a_repeated_an_unknown_and_a_foreign_bid_record_all_the_others(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    daemon = make_daemon()
    submitted = daemon.opportunities()["submitted"]
    assert submitted >= 2
    bids_of = {
        s.ballot.competition_id: [b.id for b in s.ballot.bids]
        for s in market.market.all_ballots()
        if s.active
    }
    market.clock.advance(RESULTS_DAY)

    def spoil(body: Any) -> Any:
        if body.get("status") != "published" or not body["results"]:
            return body
        competition_id = body["competition_id"]
        foreign = next(bids[0] for c, bids in sorted(bids_of.items()) if c != competition_id)
        first = body["results"][0]
        body["results"] = [
            first,
            dict(first),
            {**first, "bid_id": "bDnobody"},
            {**first, "bid_id": foreign},
            *body["results"][1:],
        ]
        return body

    market.rewrite(r"^/bid-results/v1/", spoil)
    results = daemon.results()
    assert results["skipped"] == {}
    assert results["published"] == submitted
    assert set(results["anomalies"]) == set(bids_of)
    for competition_id, anomalies in results["anomalies"].items():
        assert len(anomalies) == 3
        assert "listed twice: the first is kept" in anomalies[0]
        assert "bid bDnobody is not one of ours" in anomalies[1]
        assert "is one of ours in competition" in anomalies[2]
        assert competition_id not in anomalies[2].split("competition ")[1]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Competition.done)) == submitted
        outcomes = session.scalars(select(BidOutcome)).all()
        history = competition_history(session)
    assert len(outcomes) == results["accepted"] + results["rejected"]
    ours = [o for o in outcomes if o.market_bid_id != "bDnobody"]
    assert len(ours) == sum(len(b) for b in bids_of.values()), "each of our bids once, in its own"
    assert all(o.bid_id is not None for o in ours)
    events = [e["detail"] for c in history for e in c["events"]]
    assert sum("listed twice" in e for e in events) == submitted

    again = daemon.results()
    assert again["checked"] == 0, "done despite the anomalies: not polled again"


def test_results_naming_another_competition_are_recorded_for_the_one_asked(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    daemon = make_daemon()
    submitted = daemon.opportunities()["submitted"]
    market.clock.advance(RESULTS_DAY)
    market.rewrite(r"^/bid-results/v1/", lambda body: {**body, "competition_id": "zzzzzzz"})
    results = daemon.results()
    assert results["skipped"] == {}
    assert results["published"] == submitted
    assert all("zzzzzzz" in a[0] for a in results["anomalies"].values())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Competition.done)) == submitted
        assert session.scalar(select(func.count()).select_from(BidOutcome)) == (
            results["accepted"] + results["rejected"]
        )


def test_a_competition_whose_results_cannot_be_read_does_not_block_later_ones(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    daemon = make_daemon()
    submitted = daemon.opportunities()["submitted"]
    market.clock.advance(RESULTS_DAY)
    with Session(engine) as session:
        first, *later = awaiting_results(session, market.clock.now())
    market.rewrite(rf"^/bid-results/v1/{first}/", lambda body: {**body, "status": "weird"})
    results = daemon.results()
    assert list(results["skipped"]) == [first]
    assert "bad market data" in results["skipped"][first]
    assert results["published"] == submitted - 1 == len(later)

    market.rewrites.clear()
    again = daemon.results()
    assert (again["checked"], again["published"], again["skipped"]) == (1, 1, {})


# -- case 8 and issue 11 item 6: competitions that change under us ---------------------------


def test_a_renumbered_period_and_a_removed_window_are_stored_bid_again_and_shown_in_history(
    make_daemon: DaemonFactory,
    market: TamperingSandbox,
    engine: Engine,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    daemon = make_daemon()
    daemon.opportunities()
    competition_id = next(
        c
        for c in sorted(bid_into(market))
        if sum(len(p.windows) for p in market.market.competition(c).service_periods) >= 2
    )
    old = market.market.competition(competition_id)
    sent = market.market.ballots(competition_id)[0].ballot
    removed = sent.bids[0].service_window_id
    periods = tuple(
        dataclasses.replace(
            period,
            id=f"Q{period.id[1:]}" if period.id[0] != "Q" else f"R{period.id[1:]}",
            windows=tuple(w for w in period.windows if w.id != removed),
        )
        for period in old.service_periods
    )
    market.market.replace_competition(dataclasses.replace(old, service_periods=periods))

    report = daemon.opportunities()
    assert competition_id not in report["skipped"]
    with Session(engine) as session:
        stored_periods = set(
            session.scalars(
                select(ServicePeriod.id).where(ServicePeriod.competition_id == competition_id)
            )
        )
        stored_windows = set(
            session.scalars(
                select(ServiceWindow.id).where(ServiceWindow.competition_id == competition_id)
            )
        )
        ballots = session.scalar(
            select(func.count()).where(Ballot.competition_id == competition_id)
        )
    assert stored_periods == {p.id for p in periods}
    assert stored_windows == {w.id for p in periods for w in p.windows}
    assert ballots == 2, "the competition as it is now is bid again"
    newest = market.market.ballots(competition_id)[0].ballot
    assert removed not in {b.service_window_id for b in newest.bids}

    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    capsys.readouterr()
    assert main(["history", "--competition", competition_id]) == 0
    assert f"window {removed} removed after we bid" in capsys.readouterr().out


def test_a_competition_that_closes_early_after_we_bid_has_its_results_on_the_next_run(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    daemon = make_daemon()
    daemon.opportunities()
    competition_id = one_we_bid_into(market)
    now = market.clock.now()
    early = dataclasses.replace(
        market.market.competition(competition_id),
        competition_close=now + timedelta(minutes=30),
        results_at=now + timedelta(hours=2),
    )
    market.market.replace_competition(early)
    market.clock.advance(timedelta(hours=3).total_seconds())
    with Session(engine) as session:
        assert competition_id not in awaiting_results(session, market.clock.now()), (
            "by the close time first seen it is still open"
        )

    report = daemon.opportunities()
    assert competition_id not in {o.competition.id for o in market.market.opportunities()}
    assert report["reread"] == {}
    with Session(engine) as session:
        stored = session.get_one(Competition, competition_id)
        assert stored.competition_close == early.competition_close
        assert stored.status == "results_published"
        history = competition_history(session, competition_id)
    assert any("closes early" in e["detail"] for e in history[0]["events"])

    results = daemon.results()
    assert competition_id not in results["skipped"]
    assert results["published"] >= 1
    with Session(engine) as session:
        assert session.get_one(Competition, competition_id).done
        recorded = session.scalar(
            select(func.count()).where(BidOutcome.competition_id == competition_id)
        )
    assert recorded == len(market.market.ballots(competition_id)[0].ballot.bids)


def test_a_window_capacity_with_too_many_places_skips_only_that_competition_with_its_reason(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    listed = [o.competition.id for o in market.market.opportunities()]
    odd = listed[0]

    def odd_window(body: Any) -> Any:
        body["service_periods"][0]["service_windows"][0]["capacity_required"] = 2.0004
        return body

    market.rewrite(rf"^/competitions/v1/{odd}/", odd_window)
    report = make_daemon().opportunities()
    assert {c: r for c, r in report["skipped"].items() if c != odd} == {}
    assert set(listed) - {odd} <= bid_into(market) | set(report["refused"])
    if odd in report["skipped"]:  # refused, here or at the boundary: the reason names the field
        reason = report["skipped"][odd]
        assert "capacity_required" in reason
        assert "internal error" not in reason
    with Session(engine) as session:
        assert session.scalars(select(JobRun.status)).one() is JobStatus.SUCCEEDED


def test_a_cancelled_competition_we_bid_into_is_known_as_such_and_its_results_are_read(
    make_daemon: DaemonFactory, market: TamperingSandbox, engine: Engine
) -> None:
    daemon = make_daemon()
    daemon.opportunities()
    competition_id = one_we_bid_into(market)
    cancelled = dataclasses.replace(market.market.competition(competition_id), cancelled=True)
    market.market.replace_competition(cancelled)

    report = daemon.opportunities()
    assert report["reread"] == {}
    with Session(engine) as session:
        assert session.get_one(Competition, competition_id).status == "cancelled"
        history = competition_history(session, competition_id)
    assert [e["detail"] for e in history[0]["events"]] == ["competition cancelled after we bid"]

    results = daemon.results()
    assert results["checked"] == 1, "asked about at once, not when the close time passes"
    assert results["skipped"] == {}
    with Session(engine) as session:
        assert session.get_one(Competition, competition_id).done
