"""The opportunities cycle reads ahead and sends behind, a bounded number of requests at a time,
while it still decides competitions one by one in priority order."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from biddaemon.markets.piclo import BiddingOpportunity
from biddaemon.sandbox import FaultSpec, SandboxConfig, SandboxServer
from biddaemon.sandbox import server as sandbox_server
from biddaemon.store.models import Ballot, BallotState
from tests.daemon.conftest import LONG_TOKENS, SEED, START, DaemonFactory


class InFlight:
    """ASGI middleware counting the market requests being served at once (the market's view)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.peak = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        counted = scope["type"] == "http" and not scope["path"].startswith("/_sandbox")
        if counted:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            if counted:
                self.now -= 1


COUNTERS: list[InFlight] = []


@pytest.fixture(scope="module")
def _market_server() -> Iterator[SandboxServer]:
    """The seeded sandbox of tests/daemon/conftest.py, seen through an `InFlight` counter."""
    original = sandbox_server.create_asgi_app

    def counted(sandbox: Any) -> Any:
        COUNTERS.append(InFlight(original(sandbox)))
        return COUNTERS[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox_server, "create_asgi_app", counted)
        server = SandboxServer(
            SandboxConfig(start=START, speed=0, seed=SEED, token_lifetime_seconds=LONG_TOKENS)
        )
        server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def in_flight(market: SandboxServer) -> InFlight:
    counter = COUNTERS[-1]
    counter.peak = 0
    return counter


def calls(market: SandboxServer) -> Counter[str | None]:
    return Counter(r.operation for r in market.traffic.records())


def listed(make_daemon: DaemonFactory) -> list[BiddingOpportunity]:
    reader = make_daemon()
    return reader.client.list_bidding_opportunities()


def test_the_market_never_sees_more_requests_at_once_than_the_setting(
    make_daemon: DaemonFactory, market: SandboxServer, in_flight: InFlight
) -> None:
    market.faults.add(FaultSpec(kind="latency", seconds=0.05))
    daemon = make_daemon(PICLO__MAX_CONCURRENT_READS="2")
    report = daemon.opportunities()
    assert report["submitted"] >= 5
    assert report["skipped"] == {}
    assert in_flight.peak == 2  # reads and POSTs overlap, and never beyond the setting


def test_one_request_at_a_time_when_the_setting_says_one(
    make_daemon: DaemonFactory, market: SandboxServer, in_flight: InFlight
) -> None:
    market.faults.add(FaultSpec(kind="latency", seconds=0.02))
    daemon = make_daemon(PICLO__MAX_CONCURRENT_READS="1")
    report = daemon.opportunities()
    assert report["submitted"] >= 5
    assert in_flight.peak == 1


def test_no_more_market_calls_per_competition_than_the_floor(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    opportunities = listed(make_daemon)
    market.traffic.clear()
    report = make_daemon().opportunities()
    seen = calls(market)
    bid = len(opportunities) - len(report["refused"])
    assert report["submitted"] == bid
    # The floor: per competition its competition, its listing and its POST; each asset once.
    assert seen["get_competition"] == len(opportunities)
    assert seen["list_ballots"] == len(opportunities)
    assert seen["submit_ballot"] == bid
    assert seen["get_asset"] == len({a for o in opportunities for a in o.assets.flex})
    assert seen["get_planned_asset"] == len({a for o in opportunities for a in o.assets.planned})


def test_a_competition_whose_asset_cannot_be_read_is_skipped_while_the_others_are_bid(
    make_daemon: DaemonFactory, market: SandboxServer
) -> None:
    opportunities = listed(make_daemon)
    market.traffic.clear()
    market.faults.add(FaultSpec(kind="malformed", endpoint="get_asset", count=1))
    # One attempt: a malformed read is retried like a 5xx, which would mend this one-off fault.
    report = make_daemon(PICLO__MAX_ATTEMPTS="1").opportunities()
    (broken,) = [r for r in market.traffic.records() if r.fault == "malformed"]
    asset_id = broken.path.rstrip("/").rsplit("/", 1)[-1]
    needing = {o.competition_id for o in opportunities if asset_id in o.assets.flex}
    assert set(report["skipped"]) == needing
    assert all("bad market data" in reason for reason in report["skipped"].values())
    others = len(opportunities) - len(needing) - len(report["refused"])
    assert others > 0
    assert report["submitted"] == others
    assert calls(market)["get_asset"] == len({a for o in opportunities for a in o.assets.flex})


def test_decisions_follow_the_priority_order_whatever_order_the_reads_finish_in(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    order = [o.competition_id for o in listed(make_daemon)]  # a fresh database keeps this order
    market.faults.add(FaultSpec(kind="latency", endpoint="get_competition", seconds=0.2, rate=0.5))
    report = make_daemon().opportunities()
    assert report["submitted"] >= 5
    with Session(engine) as session:
        persisted = list(session.scalars(select(Ballot.competition_id).order_by(Ballot.id)))
    assert persisted == [c for c in order if c in set(persisted)]


def test_the_stop_signal_ends_the_cycle_with_reads_pending(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="latency", endpoint="get_competition", seconds=2))
    daemon = make_daemon(PICLO__MAX_CONCURRENT_READS="2")
    answer: dict[str, Any] = {}
    cycle = threading.Thread(target=lambda: answer.update(daemon.opportunities()))
    cycle.start()
    deadline = time.monotonic() + 30
    while calls(market)["get_competition"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    daemon.stop.set()
    cycle.join(timeout=30)
    assert not cycle.is_alive()
    assert answer["stopped_early"] is True
    assert answer["submitted"] == 0
    assert calls(market)["get_competition"] <= 2  # the reads in flight; none sent after the stop
    with Session(engine) as session:
        assert session.scalars(select(Ballot)).all() == []


def test_an_in_doubt_ballot_is_reconciled_from_the_listing_read_ahead(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="ambiguous_ballot", count=1))
    first = make_daemon().opportunities()
    assert len(first["unknown"]) == 1
    market.traffic.clear()
    second = make_daemon().opportunities()
    seen = calls(market)
    assert seen["list_ballots"] == seen["get_competition"]  # once per competition, no more
    assert second["unknown"] == {}
    with Session(engine) as session:
        assert BallotState.UNKNOWN not in set(session.scalars(select(Ballot.state)))


def test_on_stop_every_ballot_already_posted_is_settled_before_the_cycle_returns(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    market.faults.add(FaultSpec(kind="latency", endpoint="submit_ballot", seconds=0.5))
    daemon = make_daemon(PICLO__MAX_CONCURRENT_READS="3")
    answer: dict[str, Any] = {}
    cycle = threading.Thread(target=lambda: answer.update(daemon.opportunities()))
    cycle.start()
    deadline = time.monotonic() + 30
    while calls(market)["submit_ballot"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    daemon.stop.set()
    cycle.join(timeout=30)
    assert not cycle.is_alive()
    assert answer["stopped_early"] is True
    posted = calls(market)["submit_ballot"]
    assert posted >= 1
    assert answer["submitted"] == posted
    with Session(engine) as session:
        states = Counter(session.scalars(select(Ballot.state)))
    assert states == {BallotState.SUBMITTED: posted}  # none left SUBMITTING
