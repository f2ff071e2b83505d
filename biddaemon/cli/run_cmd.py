"""`biddaemon run`, `biddaemon once` and `biddaemon healthcheck`."""

from __future__ import annotations

import json
from enum import StrEnum

import httpx
import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN, EXIT_OK, app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.daemon.instance import lock_for
from biddaemon.daemon.runner import run_daemon
from biddaemon.daemon.service import Daemon
from biddaemon.scheduler import ASSETS, OPPORTUNITIES, RESULTS


class OnceJob(StrEnum):
    opportunities = OPPORTUNITIES
    results = RESULTS
    assets = ASSETS


@app.command("run")
def run_command() -> None:
    """Run the daemon: poll opportunities hourly and results daily, until SIGTERM."""
    settings = prepare()
    raise typer.Exit(run_daemon(settings))


@app.command("once")
def once_command(
    job: list[OnceJob] = typer.Option(  # noqa: B008 - Typer's way of declaring options
        None,
        "--job",
        "-j",
        help="Which cycle to run (repeatable). Default: opportunities, results.",
    ),
) -> None:
    """Run one cycle now (after reconciling anything in doubt), then exit."""
    settings = prepare()
    engine = open_engine(settings)
    lock = lock_for(engine)
    lock.acquire(wait=False)
    try:
        daemon = Daemon(settings, engine)
        try:
            daemon.reconcile_all(wait_for_landings=True)
            for name in job or [OnceJob.opportunities, OnceJob.results]:
                details = getattr(daemon, name.value)()
                typer.echo(f"{name.value}: {json.dumps(details, default=str, sort_keys=True)}")
        finally:
            daemon.close()
    finally:
        lock.release()
        engine.dispose()


@app.command("healthcheck")
def healthcheck_command(
    timeout: float = typer.Option(5.0, help="Seconds to wait for the health endpoint."),
) -> None:
    """Ask the running daemon's /healthz; exit 0 when healthy, 1 otherwise (for containers)."""
    settings = prepare(log=False)
    host = settings.health.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - we connect, we do not bind
        host = "127.0.0.1"
    url = f"http://{host}:{settings.health.port}/healthz"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        typer.echo(f"unhealthy: {url} unreachable ({type(exc).__name__})", err=True)
        raise typer.Exit(EXIT_COULD_NOT_RUN) from None
    typer.echo(response.text)
    raise typer.Exit(EXIT_OK if response.status_code == 200 else EXIT_COULD_NOT_RUN)
