"""`biddaemon backtest --database URL`: recorded competitions re-decided, clearly an estimate."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from biddaemon.cli import main
from biddaemon.demo import daemon_on_sandbox, drive, sandbox_config
from biddaemon.settings import StrategySettings

from .test_backtest import USER_STRATEGY


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database the daemon wrote bidding guide-price for four simulated days."""
    path = tmp_path_factory.mktemp("recorded") / "live.db"
    with daemon_on_sandbox(sandbox_config(2, contested=True), path, StrategySettings()) as (
        server,
        daemon,
    ):
        drive(daemon, server, timedelta(days=4), timedelta(hours=12), lambda _: None)
        daemon.results()
    return f"sqlite:///{path}"


def test_recorded_competitions_are_re_decided_and_labelled_an_estimate(
    recorded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--database", recorded, "--strategy", "guide-price", "--strategy", USER_STRATEGY]
    code = main(["backtest", *args, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    document = json.loads(out)
    assert document["estimate"] is True
    assert document["label"].startswith("ESTIMATE, not a market result")
    strategies = [r["strategy"] for r in document["rows"]]
    assert strategies == ["guide-price", USER_STRATEGY, "recorded (guide-price)"]
    guide, dearer, mine = document["rows"]
    assert document["competitions"] >= guide["competitions_bid"] > 0
    for row in document["rows"]:
        assert Decimal(row["expected_mw_accepted"]) <= Decimal(row["mw_offered"])
    # at the guide price a bid is less likely accepted than at 95 % of it, for the same MW
    assert Decimal(dearer["expected_mw_accepted"]) < Decimal(guide["expected_mw_accepted"])
    assert Decimal(mine["expected_value_gbp"]) > 0
    assert Decimal(document["recorded_realised_value_gbp"]) > 0


def test_the_estimate_table_says_it_is_an_estimate(
    recorded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["backtest", "--database", recorded, "--strategy", "guide-price"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ESTIMATE, not a market result" in out
    assert "expected value (GBP, estimate)" in out


def test_a_database_that_does_not_exist_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["backtest", "--database", f"sqlite:///{tmp_path}/none.db"])
    captured = capsys.readouterr()
    assert code == 2
    assert "--database" in captured.err
    assert "there is no database at" in captured.err
    assert not (tmp_path / "none.db").exists()
