"""`biddaemon demo`: the sandbox market and the daemon on a fresh database, then a summary."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN
from biddaemon.cli.application import app
from biddaemon.cli.database_checks import URL_VARIABLE
from biddaemon.demo_defaults import DEFAULT_SECONDS, DEFAULT_SPEED
from biddaemon.errors import ConfigurationError

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_DASHBOARD_PORT = 9318  # biddaemon.web.serve's (a test checks): that module is heavy


@app.command("demo")
def demo_command(
    seconds: float = typer.Option(DEFAULT_SECONDS, min=5, help="Wall-clock seconds to run."),
    speed: float = typer.Option(DEFAULT_SPEED, min=1, help="Simulated seconds per real second."),
    seed: int = typer.Option(1, help="The sandbox market's seed."),
    database: Path | None = typer.Option(  # noqa: B008 - Typer's way of declaring options
        None, help="SQLite file to use (default: a fresh one in a temporary folder)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the daemon's log lines."),
    serve: bool = typer.Option(
        False, "--serve", help="Then serve the dashboard over the demo's database until Ctrl-C."
    ),
    port: int = typer.Option(
        DEFAULT_DASHBOARD_PORT, min=0, max=65535, help="The dashboard's port with --serve (0: any)."
    ),
) -> None:
    """Watch biddaemon bid into the sandbox market: days of competitions in about a minute."""
    from rich.console import Console
    from rich.table import Table

    from biddaemon.demo import run_demo
    from biddaemon.logs import configure_logging

    if database is not None and not database.parent.is_dir():
        raise ConfigurationError(
            {"--database": f"the folder {database.parent} does not exist: create it first"}
        )
    configure_logging(level="INFO" if verbose else "ERROR", fmt="console")
    console = Console(highlight=False, soft_wrap=True)
    console.print("[bold]biddaemon demo[/bold]: the sandbox market and the daemon, sped up")
    summary = run_demo(
        seconds=seconds, speed=speed, seed=seed, database=database, progress=console.print
    )
    table = Table("", "", title="What happened", title_justify="left", show_header=False)
    for name, value in summary.rows():
        table.add_row(name, value)
    console.print(table)
    console.print(f"The full record: {history_hint(summary.database)}", markup=False)
    if summary.ballots_submitted == 0:
        console.print("[red]no ballot was submitted: something is wrong[/red]")
        raise typer.Exit(EXIT_COULD_NOT_RUN)
    if not serve:
        console.print(
            f"The dashboard: {command_hint(summary.database, 'dashboard')}, then open "
            f"http://127.0.0.1:{DEFAULT_DASHBOARD_PORT}/ (or run the demo with --serve)",
            markup=False,
        )
        return
    _serve(summary.database, port, console)


def _serve(database: str, port: int, console: Console) -> None:
    """The pages over the demo's database on loopback, until Ctrl-C."""
    from biddaemon.settings import load_settings
    from biddaemon.store.database import make_engine
    from biddaemon.web.serve import open_dashboard, serve_until_stopped

    settings = load_settings(database_url=f"sqlite:///{database}")
    engine = make_engine(settings.effective_database_url)
    server = open_dashboard(settings, engine, "127.0.0.1", port)
    console.print(f"The dashboard: {server.url} (Ctrl-C stops it)", markup=False)
    try:
        serve_until_stopped(server)
    finally:
        engine.dispose()


def history_hint(database: str) -> str:
    return command_hint(database, "history")


def command_hint(database: str, command: str) -> str:
    """A command on the demo's database that works as printed: this very biddaemon, by its path.

    After `make demo` the virtualenv is not on PATH, so a bare `biddaemon` would not be found.
    """
    script = Path(sys.argv[0])
    if script.name != "biddaemon":  # `python -m ...` or a test: the virtualenv's script
        script = Path(sys.executable).with_name("biddaemon")
    program = "biddaemon"
    if script.is_file():
        relative = os.path.relpath(script.absolute())
        program = relative if not relative.startswith("..") else str(script.absolute())
        program = program if "/" in program else f"./{program}"
    url = shlex.quote(f"sqlite:///{database}")
    return f"{URL_VARIABLE}={url} {shlex.quote(program)} {command}"
