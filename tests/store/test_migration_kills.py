"""kill -9 during a SQLite migration leaves a database the next start can use (issue case 5).

A few kills here; `make chaos` runs 50 during fresh migrations and 20 during upgrades.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.migration_kills import FRESH, UPGRADE, kill_loop

pytestmark = pytest.mark.slow


def test_kill_9_during_a_fresh_sqlite_migration_leaves_a_usable_database(
    tmp_path: Path,
) -> None:
    report = kill_loop(tmp_path, FRESH, kills=4, seed=5)
    assert report.unusable == [], report.line()
    assert report.kills == 4


def test_kill_9_during_a_sqlite_upgrade_leaves_a_usable_database(tmp_path: Path) -> None:
    report = kill_loop(tmp_path, UPGRADE, kills=2, seed=6)
    assert report.unusable == [], report.line()
