"""The `biddaemon` command: one Typer app, one module per command group.

Exit codes (DESIGN.md): 0 done, 1 could not run (market or database unreachable, credentials
refused), 2 usage or configuration error. `main()` is the only place errors become exit codes.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from biddaemon import __version__
from biddaemon.cli.failures import report
from biddaemon.errors import BiddaemonError

EXIT_OK = 0
EXIT_COULD_NOT_RUN = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="biddaemon",
    help="Bid unattended and safely into local flexibility markets (Piclo Flex).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biddaemon {__version__}")
        raise typer.Exit(EXIT_OK)


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
)


def _register_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(f"biddaemon.cli.{module}")


def exit_code_for(error: BaseException) -> int:
    return error.exit_code if isinstance(error, BiddaemonError) else EXIT_COULD_NOT_RUN


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and turn errors into the documented exit codes."""
    _register_commands()
    try:
        # Standalone mode: Typer itself turns usage errors into exit 2 and --help into 0.
        app(args=list(argv) if argv is not None else None, prog_name="biddaemon")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_COULD_NOT_RUN
    except (Exception, KeyboardInterrupt) as error:
        # The one place errors become sentences: the user's mistakes without a traceback, bugs
        # with one (biddaemon.cli.failures).
        return report(error)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
