"""The Typer application every command module adds itself to.

Kept apart from `biddaemon.cli` so that `main()` can answer `--version` and `healthcheck`
(`biddaemon.cli.fast`) before Typer is even imported. Command modules import only Typer and
light modules at their top; what a command needs (SQLAlchemy, Alembic, the market client, the
sandbox) is imported inside the command's function, so `--help` loads none of it.
"""

from __future__ import annotations

import importlib

import typer

from biddaemon import __version__

app = typer.Typer(
    name="biddaemon",
    help="Bid unattended and safely into local flexibility markets (Piclo Flex).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Click's plain help: the same text without loading rich's Markdown (a tenth of a second),
    # and readable through a pipe.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biddaemon {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Bid unattended and safely into local flexibility markets (Piclo Flex)."""


# Each module adds its commands to `app` when imported; add a new command group here.
COMMAND_MODULES = (
    "config_cmd",
    "check_cmd",
    "db_cmd",
    "status_cmd",
    "run_cmd",
    "history_cmd",
    "demo_cmd",
    "sandbox_cmd",
    "assets_cmd",
    "dashboard_cmd",
)


def register_commands() -> typer.Typer:
    """Import every command module (cheap: their heavy imports wait for the command to run)."""
    for module in COMMAND_MODULES:
        importlib.import_module(f"biddaemon.cli.{module}")
    return app
