"""`biddaemon backtest` end to end: the real daemon on the real sandbox, a few simulated days."""

from __future__ import annotations

import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from biddaemon.cli import main

USER_STRATEGY = "tests.backtest.user_strategy:AtTheGuidePrice"
FEW_DAYS = ["--days", "3", "--step-hours", "12", "--seed", "1"]


def backtest_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["backtest", *FEW_DAYS, "--json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    document: dict[str, object] = json.loads(out)
    return document


def test_strategies_and_the_limit_in_one_table_with_no_rule_broken(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chart = tmp_path / "value.png"
    document = backtest_json(
        capsys, "--strategy", "guide-price", "--strategy", USER_STRATEGY, "--chart", str(chart)
    )
    rows = document["rows"]
    assert isinstance(rows, list)
    assert [r["strategy"] for r in rows] == ["guide-price", USER_STRATEGY, "limit"]
    assert document["referee_rule_violations"] == 0
    assert document["limit_status"] == "optimal"
    guide, user, limit = rows
    assert Decimal(guide["accepted_value_gbp"]) > 0
    assert Decimal(guide["mw_accepted"]) <= Decimal(guide["mw_offered"])
    assert guide["competitions_bid"] > 0
    assert guide["windows_bid"] >= guide["competitions_bid"]
    for row in (guide, user):
        assert Decimal(limit["accepted_value_gbp"]) >= Decimal(row["accepted_value_gbp"])
        assert Decimal(row["share_of_limit"]) <= 1
    assert chart.stat().st_size > 1000
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    daily = document["daily_accepted_value_gbp"]
    assert isinstance(daily, dict)
    assert len(daily["guide-price"]) == 3
    assert daily["guide-price"][-1] == guide["accepted_value_gbp"]


def test_the_same_seed_gives_the_same_table_and_leaves_no_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the runs' databases go
    first = backtest_json(capsys, "--strategy", "guide-price")
    again = backtest_json(capsys, "--strategy", "guide-price")
    assert list(tmp_path.iterdir()) == []
    assert first["rows"] == again["rows"]
    assert first["daily_accepted_value_gbp"] == again["daily_accepted_value_gbp"]


def test_the_text_table_names_every_column_and_the_referee_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["backtest", "--days", "1", "--step-hours", "12", "--strategy", "guide-price"])
    out = capsys.readouterr().out
    assert code == 0, out
    for column in ("accepted value (GBP)", "capacity left idle (MW)", "share of the limit"):
        assert column in out
    table_rows = [line for line in out.splitlines() if line.startswith("│")]
    assert table_rows[-1].split("│")[1].strip() == "limit"  # the last row
    assert "referee: 0 rule violation(s)" in out


def test_a_chart_without_matplotlib_says_which_extra_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what an absent package looks like
    code = main(["backtest", "--days", "1", "--chart", str(tmp_path / "c.png")])
    captured = capsys.readouterr()
    assert code == 2
    assert "pip install 'biddaemon[charts]'" in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "c.png").exists()


def test_a_strategy_that_cannot_load_stops_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["backtest", "--days", "1", "--strategy", "no_such_module:Strategy"])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot import no_such_module" in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out
