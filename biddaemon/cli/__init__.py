"""The `biddaemon` command: one Typer app, one module per command group.

Exit codes (DESIGN.md): 0 done, 1 could not run (market or database unreachable, credentials
refused), 2 usage or configuration error. `main()` is the only place errors become exit codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from biddaemon.cli import fast
from biddaemon.cli.failures import report
from biddaemon.errors import BiddaemonError

if TYPE_CHECKING:
    import typer

EXIT_OK = 0
EXIT_COULD_NOT_RUN = 1
EXIT_USAGE = 2


def __getattr__(name: str) -> Any:
    """`biddaemon.cli.app`, the Typer application, built on first use (it loads Typer)."""
    if name == "app":
        from biddaemon.cli.application import app

        return app
    raise AttributeError(f"module 'biddaemon.cli' has no attribute {name!r}")


def _register_commands() -> typer.Typer:
    from biddaemon.cli.application import register_commands

    return register_commands()


def exit_code_for(error: BaseException) -> int:
    return error.exit_code if isinstance(error, BiddaemonError) else EXIT_COULD_NOT_RUN


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and turn errors into the documented exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    answered = fast.answer(args)  # --version and healthcheck: no Typer, no pydantic
    if answered is not None:
        return answered
    app = _register_commands()
    try:
        # Standalone mode: Typer itself turns usage errors into exit 2 and --help into 0.
        app(args=args, prog_name="biddaemon")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_COULD_NOT_RUN
    except (Exception, KeyboardInterrupt) as error:
        # The one place errors become sentences: the user's mistakes without a traceback, bugs
        # with one (biddaemon.cli.failures).
        return report(error)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
