"""What each command loads: the heavy libraries only where a command needs them.

Tests of imports, not of time: start-up times are printed by benchmarks/startup.py.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from biddaemon import scheduler, settings
from biddaemon.cli import database_checks, fast
from biddaemon.cli.run_cmd import OnceJob

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))
WEB_STACK = ("fastapi", "uvicorn", "starlette", "biddaemon.sandbox", "biddaemon.demo")


def loaded_after(statement: str, names: tuple[str, ...], cwd: Path | None = None) -> list[str]:
    """Which of the modules `names` (or their submodules) a fresh interpreter holds afterwards."""
    probe = (
        f"import sys\n{statement}\n"
        f"names = {names!r}\n"
        "print('loaded:', *sorted({n for n in names for m in sys.modules "
        "if m == n or m.startswith(n + '.')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
        cwd=cwd,
    )
    return result.stdout.rpartition("loaded:")[2].split()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BIDDAEMON_")}
    env.update(extra)
    return env


def test_run_does_not_load_the_sandbox_fastapi_or_the_demo() -> None:
    statement = (
        "import biddaemon.cli.run_cmd\n"
        "from biddaemon.logs import without_rich\n"
        "with without_rich():\n"
        "    import biddaemon.daemon.runner"  # what `run` imports, the way it imports it
    )
    assert loaded_after(statement, (*WEB_STACK, "rich", "pygments", "alembic", "mako")) == []


def test_help_loads_no_database_market_or_web_library() -> None:
    statement = "from biddaemon.cli.application import register_commands; register_commands()"
    heavy = ("fastapi", "uvicorn", "starlette", "biddaemon.demo", "biddaemon.sandbox.server")
    heavy += ("sqlalchemy", "alembic", "httpx", "structlog", "rich", "apscheduler")
    heavy += (
        "pydantic_settings",
        "biddaemon.settings",
        "biddaemon.store",
        "biddaemon.markets",
        "biddaemon.daemon",
    )
    assert loaded_after(statement, heavy) == []


def test_version_and_healthcheck_are_answered_before_typer_and_pydantic(tmp_path: Path) -> None:
    statement = (
        "import os; from biddaemon.cli import main\n"
        "os.environ['BIDDAEMON_HEALTH__PORT'] = '1'\n"  # nothing listens: exit 1, quickly
        "assert main(['--version']) == 0 and main(['healthcheck', '--timeout', '2']) == 1"
    )
    heavy = ("typer", "click", "pydantic", "pydantic_core", "httpx", "structlog", "rich")
    assert loaded_after(statement, heavy, cwd=tmp_path) == []


def test_spelled_out_names_match_their_homes() -> None:
    assert {job.value for job in OnceJob} == {
        scheduler.OPPORTUNITIES,
        scheduler.RESULTS,
        scheduler.ASSETS,
    }
    assert fast.DEFAULT_HEALTH_PORT == settings.DEFAULT_HEALTH_PORT
    assert database_checks.ENV_PREFIX == settings.ENV_PREFIX


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok" if self.status == 200 else "stale"}).encode()
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
    _Health.status = 200


def healthcheck(port: int, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env(BIDDAEMON_HEALTH__PORT=str(port))
    return subprocess.run(
        [BIDDAEMON, "healthcheck", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_healthcheck_prints_the_answer_and_exits_0_when_healthy(
    health_server: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    result = healthcheck(health_server.server_address[1], "--timeout", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "ok"}


def test_healthcheck_exits_1_when_the_daemon_says_it_is_unhealthy(
    health_server: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    _Health.status = 503
    result = healthcheck(health_server.server_address[1], cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"status": "stale"}


def test_healthcheck_of_a_stopped_daemon_says_unreachable(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = server.server_address[1]
    server.server_close()
    result = healthcheck(port, cwd=tmp_path)
    assert result.returncode == 1
    assert f"unhealthy: http://127.0.0.1:{port}/healthz unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_healthcheck_reads_the_port_from_dot_env_through_the_settings(
    health_server: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    port = health_server.server_address[1]
    (tmp_path / ".env").write_text(f"BIDDAEMON_HEALTH__PORT={port}\n")
    result = subprocess.run(
        [BIDDAEMON, "healthcheck"], capture_output=True, text=True, env=clean_env(), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "ok"}


def test_healthcheck_with_a_bad_port_is_a_configuration_error(tmp_path: Path) -> None:
    env = clean_env(BIDDAEMON_HEALTH__PORT="ninety")
    result = subprocess.run(
        [BIDDAEMON, "healthcheck"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "BIDDAEMON_HEALTH__PORT" in result.stderr


def test_python_dash_m_biddaemon_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "biddaemon", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("biddaemon ")
