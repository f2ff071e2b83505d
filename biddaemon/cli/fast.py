"""Commands answered before Typer, pydantic or anything heavy is imported.

The container runs `biddaemon healthcheck` every 30 seconds, so it must cost a few milliseconds
and megabytes: a GET with the standard library. It reads `BIDDAEMON_HEALTH__HOST` and
`BIDDAEMON_HEALTH__PORT` itself; whenever the settings could say more than those two plain
variables (a `.env` file naming the health endpoint, `BIDDAEMON_HEALTH` as JSON, a port that is
not a number), it leaves the command to the full CLI, which reads the settings the usual way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from biddaemon import __version__

EXIT_OK = 0
EXIT_COULD_NOT_RUN = 1
DEFAULT_HEALTH_HOST = "127.0.0.1"
DEFAULT_HEALTH_PORT = 9317  # the same as biddaemon.settings.DEFAULT_HEALTH_PORT (a test checks)
DEFAULT_TIMEOUT_SECONDS = 5.0
_ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 - we connect, we do not bind


def health_url(host: str, port: int) -> str:
    """The daemon's /healthz, reached on loopback when it binds every address."""
    if host in _ANY_ADDRESS:
        host = DEFAULT_HEALTH_HOST
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/healthz"


def probe(url: str, timeout: float) -> int:
    """GET `url`, print the answer; 0 when the daemon says it is healthy, 1 otherwise."""
    import http.client
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            print(response.read().decode("utf-8", "replace"))
            return EXIT_OK if response.status == 200 else EXIT_COULD_NOT_RUN
    except urllib.error.HTTPError as error:  # a non-2xx answer: the daemon says why
        print(error.read().decode("utf-8", "replace"))
        return EXIT_COULD_NOT_RUN
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        kind = type(reason).__name__ if isinstance(reason, BaseException) else type(error).__name__
        print(f"unhealthy: {url} unreachable ({kind})", file=sys.stderr)
        return EXIT_COULD_NOT_RUN


def _health_from_environment() -> tuple[str, int] | None:
    """Host and port from the two plain variables, or None when only the settings can tell."""
    dotenv = Path(".env")
    if dotenv.is_file() and "HEALTH" in dotenv.read_text(encoding="utf-8", errors="replace"):
        return None
    found = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith("BIDDAEMON_")}
    if "BIDDAEMON_HEALTH" in found:
        return None
    host = found.get("BIDDAEMON_HEALTH__HOST", DEFAULT_HEALTH_HOST).strip()
    port_text = found.get("BIDDAEMON_HEALTH__PORT", str(DEFAULT_HEALTH_PORT)).strip()
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        return None
    return host, int(port_text)


def _timeout(args: Sequence[str]) -> float | None:
    """The `--timeout` of `healthcheck [--timeout N]`, or None for anything else."""
    if not args:
        return DEFAULT_TIMEOUT_SECONDS
    if len(args) == 1 and args[0].startswith("--timeout="):
        text = args[0].partition("=")[2]
    elif len(args) == 2 and args[0] == "--timeout":
        text = args[1]
    else:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def answer(args: Sequence[str]) -> int | None:
    """The exit code of a command answered here, or None: the full CLI must run it."""
    if list(args) == ["--version"]:
        print(f"biddaemon {__version__}")
        return EXIT_OK
    if not args or args[0] != "healthcheck":
        return None
    timeout = _timeout(args[1:])
    where = _health_from_environment()
    if timeout is None or where is None:
        return None
    return probe(health_url(*where), timeout)
