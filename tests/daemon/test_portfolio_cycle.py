"""The portfolio strategy through whole cycles against the sandbox on loopback: it plans once per
cycle before any decision, every ballot it sends is accepted by the market's referee, no asset is
promised twice across the cycle's ballots, results teach the acceptance model, and a failing
solver leaves the cycle bidding as guide-price would."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from biddaemon.cli import main
from biddaemon.sandbox import SandboxServer
from biddaemon.store.acceptance import recorded_outcomes
from biddaemon.store.models import Allocation, Ballot, BallotState
from biddaemon.strategy.portfolio import PortfolioStrategy, programme
from biddaemon.strategy.snapshot import Schedule
from tests.daemon.conftest import DaemonFactory

PORTFOLIO = {"STRATEGY__NAME": "portfolio"}


def _live_allocations(engine: Engine) -> list[tuple[str, Decimal, Schedule]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(Allocation)
            .join(Ballot, Allocation.ballot_id == Ballot.id)
            .where(Ballot.state == BallotState.SUBMITTED)
        ).all()
        return [
            (
                f"{a.asset_kind}:{a.asset_id}",
                a.capacity,
                Schedule(a.start_date, a.end_date, a.start_time, a.end_time, frozenset(a.days)),
            )
            for a in rows
        ]


def _assert_no_asset_promised_twice(engine: Engine, capacity: dict[str, Decimal]) -> None:
    """Every half hour of every day, the sum of each asset's live allocations fits its capacity."""
    load: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    for asset, mw, schedule in _live_allocations(engine):
        day = schedule.start_date
        while day < schedule.end_date:
            if day.strftime("%a").lower() in schedule.days:
                moment = datetime.combine(day, schedule.start_time)
                end_day = day + timedelta(days=1) if schedule.crosses_midnight else day
                end = datetime.combine(end_day, schedule.end_time)
                while moment < end:
                    load[asset, moment] += mw
                    moment += timedelta(minutes=30)
            day += timedelta(days=1)
    for (asset, moment), total in load.items():
        assert total <= capacity[asset], (asset, moment, total)


def _fleet_capacity(market: SandboxServer) -> dict[str, Decimal]:
    fleet = market.market.fleet()
    return {
        f"flex:{a.id}": max(a.active_export_capacity, a.active_import_capacity) for a in fleet.flex
    }


def test_a_portfolio_cycle_plans_once_and_sends_ballots_the_market_accepts(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
) -> None:
    daemon = make_daemon(**PORTFOLIO)
    with capture_logs() as logs:
        report = daemon.opportunities()
    planned = [e for e in logs if e["event"] == "portfolio planned"]
    assert len(planned) == 1, [e["event"] for e in logs]
    assert planned[0]["competitions"] > 0
    assert report["submitted"] > 0
    assert report["rejected"] == {}, "the market's referee refused a ballot"
    assert report["skipped"] == {}
    cycle = next(e for e in logs if e["event"] == "cycle planned")
    assert cycle["outcomes_learned_from"] == 0
    with Session(engine) as session:
        strategies = set(session.scalars(select(Ballot.strategy)))
        bids = [b for ballot in session.scalars(select(Ballot)) for b in ballot.bids]
    assert strategies == {"portfolio"}
    assert any(b.availability_rate is not None for b in bids)
    _assert_no_asset_promised_twice(engine, _fleet_capacity(market))

    market.clock.advance(timedelta(days=20).total_seconds())
    results = daemon.results()
    assert results["accepted"] + results["rejected"] > 0
    with Session(engine) as session:
        learned = recorded_outcomes(session)
    assert len(learned) == results["accepted"] + results["rejected"]

    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    capsys.readouterr()
    assert main(["history", "--acceptance", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outcomes"] == len(learned)
    assert sum(c["outcomes"] for c in report["curves"]) == len(learned)
    assert {c["operator"] for c in report["curves"]} <= {o.operator for o in learned}
    assert main(["history", "--acceptance"]) == 0
    assert "P(accepted)" in capsys.readouterr().out

    with capture_logs() as logs:  # the next cycle learns from them
        daemon.opportunities()
    cycle = next(e for e in logs if e["event"] == "cycle planned")
    assert cycle["outcomes_learned_from"] == len(learned)


def test_a_failing_solver_falls_back_to_guide_price_for_the_cycle(
    make_daemon: DaemonFactory,
    market: SandboxServer,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("HiGHS crashed")

    monkeypatch.setattr(programme, "_run", broken)
    daemon = make_daemon(**PORTFOLIO)
    assert isinstance(daemon.strategy, PortfolioStrategy)
    with capture_logs() as logs:
        report = daemon.opportunities()
    failed = [e for e in logs if e["event"] == "portfolio solve failed: guide-price for this cycle"]
    assert len(failed) == 1
    assert failed[0]["status"] == "error"
    assert "HiGHS crashed" in failed[0]["reason"]
    assert report["submitted"] > 0
    with Session(engine) as session:
        decisions = [b.decision for b in session.scalars(select(Ballot))]
    fallbacks = {
        bid["basis"].get("portfolio_fallback") for decision in decisions for bid in decision["bids"]
    }
    assert fallbacks == {"the portfolio solve ended error: RuntimeError: HiGHS crashed"}
    assert {bid["basis"]["price_fraction"] for d in decisions for bid in d["bids"]} == {"0.95"}
