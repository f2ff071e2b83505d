"""`biddaemon config`: the effective settings, secrets redacted, one `VARIABLE=value` per line."""

from __future__ import annotations

import typer

from biddaemon.cli.app import app
from biddaemon.cli.common import prepare


@app.command("config")
def config_command() -> None:
    """Print the effective configuration (secrets shown as **********)."""
    from biddaemon.settings import iter_effective

    settings = prepare(log=False)
    for name, value in iter_effective(settings):
        typer.echo(f"{name}={value}")
