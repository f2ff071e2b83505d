"""`biddaemon config`: the effective settings, secrets redacted, one `VARIABLE=value` per line."""

from __future__ import annotations

import typer

from biddaemon.cli import app
from biddaemon.cli.common import prepare
from biddaemon.settings import iter_effective


@app.command("config")
def config_command() -> None:
    """Print the effective configuration (secrets shown as **********)."""
    settings = prepare(log=False)
    for name, value in iter_effective(settings):
        typer.echo(f"{name}={value}")
