"""`biddaemon demo` bids into the sandbox and gets results back, from a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from biddaemon.cli import main
from biddaemon.demo import run_demo


def test_demo_submits_ballots_and_receives_results(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = run_demo(
        seconds=12, speed=60_000, seed=3, database=tmp_path / "demo.db", progress=lines.append
    )
    assert summary.competitions_seen > 5
    assert summary.ballots_submitted > 0
    assert summary.windows_bid >= summary.ballots_submitted
    assert summary.bids_accepted + summary.bids_rejected > 0
    assert summary.bids_accepted > 0
    assert summary.accepted_mw > 0
    assert any("sandbox market at http://127.0.0.1:" in line for line in lines)
    assert (tmp_path / "demo.db").exists()


def test_demo_command_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["demo", "--seconds", "6", "--speed", "40000", "--database", str(tmp_path / "d.db")]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "What happened" in out
    assert "ballots submitted" in out
