"""How fast do the commands start, and how much memory do they hold? (A benchmark, not a test.)

Prints, for the installed `biddaemon` next to this interpreter:

- the median of N wall times of `--help`, `--version`, `config` and `healthcheck`, next to a bare
  `python -c pass` (targets: at most 0.3 s each);
- the peak RSS of `healthcheck` (target: at most 30 MB), read from the child's own rusage;
- the RSS of an idle `biddaemon run` against a `biddaemon sandbox` (separate processes) whose
  clock runs an hour a second, the daemon polling every second: one simulated hour per cycle,
  sampled after each cycle (target: at most 60 MB, flat), on a new database (migrated at start)
  and on one already migrated (every later start), next to the import floor: the RSS of an
  interpreter that has only imported pydantic-settings, SQLAlchemy's ORM and httpx.

    .venv/bin/python benchmarks/startup.py [--runs 10] [--cycles 24] [--skip-daemon]
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BIDDAEMON = str(BIN / "biddaemon")
SOURCE: str | None = None  # --source: another checkout, run through `biddaemon.cli.main`
TIME = Path("/usr/bin/time")
DEVNULL = subprocess.DEVNULL
COMMANDS = (["--help"], ["--version"], ["config"], ["healthcheck"])


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BIDDAEMON_")}
    env.update(extra)
    if SOURCE:
        env["PYTHONPATH"] = SOURCE
    return env


def _biddaemon() -> list[str]:
    code = "import sys; from biddaemon.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code] if SOURCE else [BIDDAEMON]


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KB and exit code of one run.

    The RSS comes from `/usr/bin/time` when there is one: a child forked from this (larger)
    process would report this process's pages as its own peak.
    """
    if TIME.exists():
        with tempfile.NamedTemporaryFile("r") as report:
            argv = [str(TIME), "-q", "-f", "%M", "-o", report.name, *argv]
            started = time.perf_counter()
            code = subprocess.call(argv, env=env, stdout=DEVNULL, stderr=DEVNULL)
            elapsed = time.perf_counter() - started
            return elapsed, int(report.read().split()[-1]), code
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=DEVNULL, stderr=DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def startup(runs: int) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        env = _env(
            BIDDAEMON_HEALTH__PORT=str(server.server_address[1]),
            BIDDAEMON_DATABASE_URL=f"sqlite:///{folder}/bench.db",
        )
        bare = statistics.median(
            _timed([sys.executable, "-c", "pass"], env)[0] for _ in range(runs)
        )
        print(f"{'python -c pass':28s} {bare * 1000:7.0f} ms")
        for command in COMMANDS:
            results = [_timed([*_biddaemon(), *command], env) for _ in range(runs)]
            wall = statistics.median(r[0] for r in results)
            rss = max(r[1] for r in results) / 1024
            codes = sorted({r[2] for r in results})
            print(
                f"{'biddaemon ' + ' '.join(command):28s} {wall * 1000:7.0f} ms "
                f"({wall / bare:4.1f}x bare python)  peak RSS {rss:5.1f} MB  exit {codes}"
            )
    server.shutdown()


def _rss_kb(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


STACK = ("pydantic_settings", "sqlalchemy.orm", "httpx")
"""The libraries a daemon cannot run without (settings, the store, the market client)."""


def import_floor() -> None:
    """The RSS of an interpreter that has imported only `STACK`: below it no daemon can go."""
    code = (
        "import importlib, re\n"
        f"for name in {STACK!r}: importlib.import_module(name)\n"
        "text = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmRSS:\\s+(\\d+) kB', text).group(1)))"
    )
    bare = subprocess.run(
        [sys.executable, "-c", "print(open('/proc/self/status').read())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bare_kb = int(re.search(r"VmRSS:\s+(\d+) kB", bare).group(1))  # type: ignore[union-attr]
    stack_kb = int(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    print(
        f"import floor: bare python {bare_kb / 1024:.1f} MB; after importing "
        f"{', '.join(STACK)} alone {stack_kb / 1024:.1f} MB"
    )


def idle_daemon(cycles: int, extra_env: dict[str, str], *, migrated: bool) -> None:
    sandbox = subprocess.Popen(
        [*_biddaemon(), "sandbox", "--port", "0", "--speed", "3600"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert sandbox.stdout is not None
        line = sandbox.stdout.readline()
        match = re.search(r"listening on (\S+)", line)
        if not match:
            raise SystemExit(f"the sandbox did not start: {line!r}")
        # Keep reading: a full pipe would block the sandbox's logging.
        threading.Thread(target=sandbox.stdout.read, daemon=True).start()
        with tempfile.TemporaryDirectory() as folder:
            env = _env(
                BIDDAEMON_PICLO__BASE_URL=match.group(1),
                BIDDAEMON_PICLO__CLIENT_ID="sandbox-client",
                BIDDAEMON_PICLO__API_KEY="sandbox-api-key",
                BIDDAEMON_PICLO__PROVIDER_ID="sandbox-provider",
                BIDDAEMON_DATABASE_URL=f"sqlite:///{folder}/daemon.db",
                BIDDAEMON_AUTO_MIGRATE="true",
                BIDDAEMON_DRY_RUN="false",
                BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS="1",
                BIDDAEMON_HEALTH__PORT="0",
                BIDDAEMON_LOG_LEVEL="INFO",
                BIDDAEMON_LOG_FORMAT="json",
                **extra_env,
            )
            if migrated:  # as on every start after the first: the schema is already current
                subprocess.run(
                    [*_biddaemon(), "db", "upgrade"],
                    env=env,
                    check=True,
                    stdout=DEVNULL,
                    stderr=DEVNULL,
                )
            log = Path(folder) / "daemon.log"
            with log.open("w") as sink:
                daemon = subprocess.Popen([*_biddaemon(), "run"], env=env, stdout=sink, stderr=sink)
            try:
                deadline = time.monotonic() + 120  # start-up: migrations, reconciliation
                while "biddaemon running" not in log.read_text():
                    if daemon.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the daemon did not start:\n{log.read_text()[-2000:]}")
                    time.sleep(0.2)
                samples = []
                for _ in range(cycles):
                    if daemon.poll() is not None:
                        raise SystemExit(f"the daemon exited with {daemon.returncode}")
                    samples.append(_rss_kb(daemon.pid) / 1024)
                    time.sleep(1)
            finally:
                daemon.terminate()
                daemon.wait(timeout=20)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    quarter = max(1, cycles // 4)
    print(
        f"idle daemon RSS over {cycles} fast-clock cycles (one simulated hour each), "
        f"{'database already migrated' if migrated else 'migrating a new database at start'}: "
        f"first {samples[0]:.1f} MB, min {min(samples):.1f}, max {max(samples):.1f}, "
        f"last {samples[-1]:.1f} MB; mean of the last quarter "
        f"{statistics.mean(samples[-quarter:]):.1f} MB, of the second quarter "
        f"{statistics.mean(samples[quarter : 2 * quarter]):.1f} MB (equal when flat)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=24)
    parser.add_argument("--skip-daemon", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument(
        "--daemon-env", action="append", default=[], help="NAME=VALUE for the daemon (repeatable)"
    )
    parser.add_argument("--source", help="another checkout to measure (e.g. the one before)")
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.source
    if not args.skip_startup:
        startup(args.runs)
    if not args.skip_daemon:
        extra = dict(item.split("=", 1) for item in args.daemon_env)
        import_floor()
        idle_daemon(args.cycles, extra, migrated=False)
        idle_daemon(args.cycles, extra, migrated=True)


if __name__ == "__main__":
    main()
