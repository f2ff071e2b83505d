"""`biddaemon run`, `biddaemon once` and `biddaemon healthcheck`."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from biddaemon.cli import fast
from biddaemon.cli.app import app
from biddaemon.cli.common import open_engine, prepare


class OnceJob(StrEnum):
    """The job names of `biddaemon.scheduler` (a test checks), spelled out: it loads APScheduler."""

    opportunities = "opportunities"
    results = "results"
    assets = "assets"


@app.command("run")
def run_command() -> None:
    """Run the daemon: poll opportunities hourly and results daily, until SIGTERM."""
    settings = prepare()
    from biddaemon.logs import without_rich

    with without_rich():  # the daemon never prints with rich: not loading it saves memory
        from biddaemon.daemon.runner import run_daemon

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
    from biddaemon.daemon.instance import lock_for
    from biddaemon.daemon.service import Daemon

    settings = prepare()
    engine = open_engine(settings)
    lock = lock_for(engine)
    lock.acquire(wait=False)
    try:
        daemon = Daemon(settings, engine)
        try:
            daemon.reconcile_all()
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
    url = fast.health_url(settings.health.host, settings.health.port)
    raise typer.Exit(fast.probe(url, timeout))
