"""The installed `biddaemon` command, run as a real process."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from biddaemon import __version__
from biddaemon.cli.demo_cmd import history_hint
from biddaemon.cli.failures import explain, report
from biddaemon.demo import run_demo
from biddaemon.store import migrate
from biddaemon.store.database import make_engine
from biddaemon.store.models import JobRun, JobStatus

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
    missing = run("status", cwd=tmp_path)
    assert missing.returncode == 2
    assert f"there is no database at {tmp_path / 'biddaemon.db'}" in missing.stderr
    assert list(tmp_path.iterdir()) == [], "status created nothing"
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
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


# --- unknown settings --------------------------------------------------------------------------


def test_a_mistyped_setting_stops_every_command_and_names_the_real_one(tmp_path: Path) -> None:
    for command in (["config"], ["status"], ["once"], ["db", "upgrade"]):
        result = run(*command, env={"BIDDAEMON_DRYRUN": "true"}, cwd=tmp_path)
        assert result.returncode == 2, command
        assert "BIDDAEMON_DRYRUN: is not a biddaemon setting" in result.stderr
        assert "did you mean BIDDAEMON_DRY_RUN?" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_mistyped_setting_in_env_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BIDDAEMON_PICLO__MAX_CONCURENT_READS=2\n")
    result = run("config", cwd=tmp_path)
    assert result.returncode == 2
    assert "BIDDAEMON_PICLO__MAX_CONCURENT_READS: is not a biddaemon setting (in .env)" in (
        result.stderr
    )
    assert "did you mean BIDDAEMON_PICLO__MAX_CONCURRENT_READS?" in result.stderr


def test_real_nested_and_tooling_names_are_accepted(tmp_path: Path) -> None:
    result = run(
        "config",
        env={
            "BIDDAEMON_PICLO__MAX_CONCURRENT_READS": "2",
            "BIDDAEMON_STRATEGY__OPTIONS__MARKUP": "3",
            "BIDDAEMON_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1/postgres",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "BIDDAEMON_PICLO__MAX_CONCURRENT_READS=2" in result.stdout


def test_once_assets_reports_every_missing_setting_before_taking_the_lock(tmp_path: Path) -> None:
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    result = run("once", "--job", "assets", cwd=tmp_path)
    assert result.returncode == 2
    assert "4 settings are invalid or missing" in result.stderr
    for name in ("PICLO__CLIENT_ID", "PICLO__API_KEY", "PICLO__PROVIDER_ID", "INVENTORY__PATH"):
        assert f"BIDDAEMON_{name}:" in result.stderr
    status = run("status", cwd=tmp_path)
    assert "jobs: none has run yet" in status.stdout, "no job was recorded"
    assert "active instance: none" in status.stdout
    assert not list(tmp_path.glob("*.lock"))


# --- no traceback for a user's mistake ----------------------------------------------------------


def _not_sqlite(tmp_path: Path) -> str:
    (tmp_path / "notes.db").write_text("this is not a database\n" * 100)
    return f"sqlite:///{tmp_path / 'notes.db'}"


USER_MISTAKES = [
    ("sqlite:////proc/nope/x.db", 2, "/proc/nope"),
    (_not_sqlite, 2, "is not a SQLite database"),
    ("sqlite://", 2, "in-memory SQLite database"),
    ("sqlite:///:memory:", 2, "in-memory SQLite database"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/x", 1, "cannot reach the database"),
    ("postgresql+psycopg://postgres@127.0.0.1:notaport/x", 2, "is not a database URL"),
    ("sqlite:/half-a-url", 2, "is not a SQLite URL"),
]


@pytest.mark.parametrize(("url", "code", "message"), USER_MISTAKES)
def test_a_bad_database_is_one_sentence_without_a_traceback(
    tmp_path: Path, url: str | Callable[[Path], str], code: int, message: str
) -> None:
    database_url = url(tmp_path) if callable(url) else url
    for command in (["status"], ["history"], ["db", "upgrade", "--create-dirs"]):
        result = run(*command, env={"BIDDAEMON_DATABASE_URL": database_url}, cwd=tmp_path)
        output = result.stdout + result.stderr
        assert "Traceback" not in output, command
        assert result.returncode == code, (command, output)
        assert message in result.stderr, command


def test_a_postgresql_database_that_was_never_created_is_a_setting_to_fix(
    postgres_url: str,
) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/biddaemon_never_created"
    result = run("status", env={"BIDDAEMON_DATABASE_URL": missing})
    assert result.returncode == 2
    assert 'database "biddaemon_never_created" does not exist' in result.stderr
    assert "Traceback" not in result.stderr


def test_a_full_disk_and_a_refused_permission_say_what_to_do() -> None:
    full = explain(OSError(errno.ENOSPC, "No space left on device", "/var/lib/biddaemon/x.db"))
    assert full == (
        "/var/lib/biddaemon/x.db: the disk is full: free some space, then run the command again",
        1,
    )
    denied = explain(PermissionError(errno.EACCES, "Permission denied", "/srv/x.db"))
    assert denied is not None
    assert denied[1] == 2
    assert denied[0].startswith("/srv/x.db: permission denied")


def test_a_bug_keeps_its_traceback_and_asks_to_be_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        raise RuntimeError("a programming error")
    except RuntimeError as error:
        code = report(error)
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" in err
    assert "RuntimeError: a programming error" in err
    assert "Please report it" in err


# --- read-only commands create nothing ----------------------------------------------------------


def test_read_only_commands_never_create_a_database_or_a_folder(tmp_path: Path) -> None:
    database = tmp_path / "typo" / "biddaemon.db"
    env = {
        "BIDDAEMON_DATABASE_URL": f"sqlite:///{database}",
        "BIDDAEMON_PICLO__CLIENT_ID": "c",
        "BIDDAEMON_PICLO__API_KEY": "k",
        "BIDDAEMON_PICLO__PROVIDER_ID": "p",
        "BIDDAEMON_AUTO_MIGRATE": "true",
        "BIDDAEMON_PICLO__BASE_URL": "http://127.0.0.1:1",
        "BIDDAEMON_PICLO__MAX_ATTEMPTS": "1",
    }
    for command in (["status"], ["history"], ["db", "current"], ["assets", "apply"]):
        result = run(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert f"there is no database at {database}" in result.stderr, command
    check = run("check", env=env, cwd=tmp_path)  # the market is unreachable; nothing is created
    assert check.returncode == 1
    config = run("config", env=env, cwd=tmp_path)
    assert config.returncode == 0
    assert f"there is no database at {database}" in config.stderr
    assert list(tmp_path.iterdir()) == []


def test_upgrade_creates_a_database_only_in_an_existing_folder_unless_asked(
    tmp_path: Path,
) -> None:
    database = tmp_path / "new" / "folder" / "biddaemon.db"
    env = {"BIDDAEMON_DATABASE_URL": f"sqlite:///{database}"}
    refused = run("db", "upgrade", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert f"the folder {database.parent} does not exist" in refused.stderr
    assert "--create-dirs" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    created = run("db", "upgrade", "--create-dirs", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert database.is_file()


# --- output that survives pipes -----------------------------------------------------------------


def test_reporting_commands_print_json(tmp_path: Path) -> None:
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    status = json.loads(run("status", "--json", cwd=tmp_path).stdout)
    assert status["schema"]["up_to_date"] is True
    assert status["jobs"] == []
    assert status["ballots"] == {}
    current = json.loads(run("db", "current", "--json", cwd=tmp_path).stdout)
    assert current == {
        "current": migrate.head_revision(),
        "head": migrate.head_revision(),
        "up_to_date": True,
    }
    config = json.loads(run("config", "--json", cwd=tmp_path).stdout)
    assert config["BIDDAEMON_DRY_RUN"] == "false"
    assert json.loads(run("history", "--json", cwd=tmp_path).stdout) == []


def test_status_off_a_terminal_keeps_full_timestamps_and_no_colour(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'biddaemon.db'}"
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    engine = make_engine(url)
    started = datetime(2026, 12, 1, 6, 30, 15, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        session.add(
            JobRun(
                job="opportunities",
                started_at=started,
                finished_at=started,
                status=JobStatus.FAILED,
                dry_run=False,
                error="a long reason " * 20,
            )
        )
    engine.dispose()
    result = run("status", cwd=tmp_path, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "2026-12-01T06:30:15+00:00" in result.stdout
    assert ("a long reason " * 20).strip() in result.stdout
    assert "\x1b[" not in result.stdout
    assert "…" not in result.stdout


# --- history and the demo -----------------------------------------------------------------------


def test_the_demo_is_deterministic_and_history_reads_one_line_per_competition(
    tmp_path: Path,
) -> None:
    first = run_demo(seconds=5, speed=40_000, seed=3, database=tmp_path / "a.db", progress=print)
    second = run_demo(seconds=5, speed=40_000, seed=3, database=tmp_path / "b.db", progress=print)
    assert first.rows() == second.rows(), "the same seed gives the same summary"
    assert first.ballots_submitted > 0

    env = {"BIDDAEMON_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    records = json.loads(run("history", "--json", env=env).stdout)
    summary = run("history", env=env)
    assert summary.returncode == 0, summary.stderr
    assert f"{len(records)} competition(s)" in summary.stdout
    for record in records:
        (line,) = [row for row in summary.stdout.splitlines() if record["id"] in row]
        if record["ballots"]:
            assert f"ballot {record['ballots'][-1]['state']}" in line
    assert "from: price_fraction" not in summary.stdout, "the full record only on request"
    detail = run("history", "--detail", env=env)
    assert "from: price_fraction 0.95" in detail.stdout

    unknown = run("history", "--competition", "NOPE", env=env)
    assert unknown.returncode == 1
    assert "no competition 'NOPE' is recorded" in unknown.stderr


def test_the_demo_hint_names_a_command_that_works_as_printed(tmp_path: Path) -> None:
    hint = history_hint(str(tmp_path / "demo.db"))
    program = hint.split()[1]
    assert Path(program).is_file(), hint
    assert hint.endswith(" history")
