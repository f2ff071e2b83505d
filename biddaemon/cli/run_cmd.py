"""`biddaemon run`, `biddaemon once` and `biddaemon healthcheck`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from biddaemon.cli import fast
from biddaemon.cli.application import app
from biddaemon.cli.common import (
    Requirement,
    configured_inventory,
    dashboard_token,
    inventory_configuration,
    market_credentials,
    open_engine,
    prepare,
)
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, print_json


class OnceJob(StrEnum):
    """The job names of `biddaemon.scheduler` (a test checks), spelled out: it loads APScheduler."""

    opportunities = "opportunities"
    results = "results"
    assets = "assets"


CREATE_DIRS_HELP = "Create the SQLite file's folder if it does not exist."


@app.command("run")
def run_command(
    create_dirs: bool = typer.Option(False, "--create-dirs", help=CREATE_DIRS_HELP),
) -> None:
    """Run the daemon: poll opportunities hourly and results daily, until SIGTERM."""
    settings = prepare(
        database=DatabaseUse.CREATE,
        create_dirs=create_dirs,
        needs=(market_credentials, configured_inventory, dashboard_token),
    )
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
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
    create_dirs: bool = typer.Option(False, "--create-dirs", help=CREATE_DIRS_HELP),
) -> None:
    """Run one cycle now (after reconciling anything in doubt), print what it did, then exit."""
    from biddaemon.daemon.instance import lock_for
    from biddaemon.daemon.service import Daemon
    from biddaemon.store import migrate
    from biddaemon.store.database import reachable

    jobs = job or [OnceJob.opportunities, OnceJob.results]
    needs: list[Requirement] = [market_credentials]
    if OnceJob.assets in jobs:
        needs.append(inventory_configuration)
    # Every setting any chosen job needs is checked here, before the lock or a job record.
    settings = prepare(database=DatabaseUse.CREATE, create_dirs=create_dirs, needs=needs)
    reports: dict[str, Any] = {}
    engine = open_engine(settings, require_schema=False)
    lock = lock_for(engine)
    with reachable(engine):
        lock.acquire(wait=False)
    try:
        with reachable(engine):  # under the lock: no other process migrates beside us
            migrate.ensure_current(engine, auto_migrate=settings.auto_migrate)
        daemon = Daemon(settings, engine)
        try:
            daemon.reconcile_all(wait_for_landings=True)
            for name in jobs:
                reports[name.value] = getattr(daemon, name.value)()
        finally:
            daemon.close()
    finally:
        lock.release()
        engine.dispose()
    if as_json:
        print_json(reports)
        return
    for job_name, details in reports.items():
        typer.echo(f"{job_name}: {_plain(details)}")
        for line in _itemised(details):
            typer.echo(f"  {line}")


def _itemised(details: dict[str, Any]) -> list[str]:
    """One line per competition a job skipped, refused or could not settle, with its reason:
    the counts alone would not tell the operator which competition needs a look."""
    lines = []
    for key, value in sorted(details.items()):
        if not isinstance(value, dict):
            continue
        for item, reason in sorted(value.items()):
            text = "; ".join(map(str, reason)) if isinstance(reason, list | tuple) else reason
            lines.append(f"{key.replace('_', ' ')} {item}: {text}")
    return lines


def _plain(details: dict[str, Any]) -> str:
    """A job's report as `key value, ...` (nested lists and maps as their sizes)."""
    parts = []
    for key, value in sorted(details.items()):
        shown = len(value) if isinstance(value, list | dict | tuple) else value
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return ", ".join(parts) or "nothing to do"


@app.command("healthcheck")
def healthcheck_command(
    timeout: float = typer.Option(5.0, help="Seconds to wait for the health endpoint."),
) -> None:
    """Ask the running daemon's /healthz; exit 0 when healthy, 1 otherwise (for containers)."""
    settings = prepare(log=False)
    url = fast.health_url(settings.health.host, settings.health.port)
    raise typer.Exit(fast.probe(url, timeout))
