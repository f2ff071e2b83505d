"""`biddaemon demo` ends on the dashboard: its address, and with --serve the pages themselves."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from biddaemon.cli import main
from biddaemon.cli.demo_cmd import DEFAULT_DASHBOARD_PORT
from biddaemon.web.serve import DEFAULT_DASHBOARD_PORT as SERVED_PORT
from tests.test_startup_imports import clean_env

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))
pytestmark = pytest.mark.slow


def test_the_demo_names_the_dashboard_command_and_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["demo", "--seconds", "5", "--speed", "40000", "--database", str(tmp_path / "d.db")]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"dashboard, then open http://127.0.0.1:{DEFAULT_DASHBOARD_PORT}/" in out
    assert DEFAULT_DASHBOARD_PORT == SERVED_PORT


def test_demo_serve_keeps_the_pages_up_until_interrupted(tmp_path: Path) -> None:
    args = ["demo", "--seconds", "5", "--speed", "40000", "--serve", "--port", "0"]
    process = subprocess.Popen(
        [BIDDAEMON, *args, "--database", str(tmp_path / "d.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            found = re.search(r"The dashboard: (http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found.group(1)
                break
        assert url, "the demo printed no dashboard address"
        for path in ("", "competitions", "commitments", "results"):
            page = httpx.get(url + path, timeout=10)
            assert page.status_code == 200, path
        assert "submitted" in httpx.get(url + "competitions", timeout=10).text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
