"""The installed `biddaemon` command, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from biddaemon import __version__
from biddaemon.store import migrate

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BIDDAEMON_")}
    environment.update(env or {})
    return subprocess.run(
        [BIDDAEMON, *args], capture_output=True, text=True, env=environment, cwd=cwd, timeout=60
    )


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"biddaemon {__version__}"
    help_text = run("--help").stdout
    for command in ("config", "db", "status"):
        assert command in help_text


def test_unknown_command_is_a_usage_error() -> None:
    assert run("frobnicate").returncode == 2


def test_postgres_upgrade_creates_the_schema_and_status_reports_it(postgres_url: str) -> None:
    env = {"BIDDAEMON_DATABASE_URL": postgres_url}
    before = run("status", env=env)
    assert before.returncode == 0, before.stderr
    assert "schema: none" in before.stdout

    upgraded = run("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"is at revision {migrate.head_revision()}" in upgraded.stdout

    after = run("status", env=env)
    assert after.returncode == 0, after.stderr
    head = migrate.head_revision()
    assert f"schema: {head} (head {head}, up to date)" in after.stdout
    assert postgres_url.rsplit("/", 1)[1] in after.stdout


def test_fresh_sqlite_status_in_the_working_directory(tmp_path: Path) -> None:
    result = run("status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"sqlite:///{tmp_path / 'biddaemon.db'}" in result.stdout


def test_unreachable_database_exits_1_with_a_reason() -> None:
    result = run(
        "db", "upgrade", env={"BIDDAEMON_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/x"}
    )
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr


def test_readme_documents_every_setting() -> None:
    from biddaemon.settings import iter_effective, load_settings

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [
        name
        for name, _ in iter_effective(load_settings())
        if name.startswith("BIDDAEMON_") and f"`{name}`" not in readme
    ]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("```")[1]
    assert "make demo" in block
    assert "make test" in block


def test_run_with_an_unreachable_database_exits_1_with_a_reason() -> None:
    result = run(
        "run",
        env={
            "BIDDAEMON_DATABASE_URL": "postgresql+psycopg://x:hunter2-db@127.0.0.1:1/x",
            "BIDDAEMON_PICLO__CLIENT_ID": "c",
            "BIDDAEMON_PICLO__API_KEY": "k-secret-value",
            "BIDDAEMON_PICLO__PROVIDER_ID": "p",
        },
    )
    assert result.returncode == 1
    assert "cannot reach the database postgresql+psycopg://x:***@127.0.0.1:1/x" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2-db" not in result.stderr + result.stdout
