"""`biddaemon config`: the effective settings, secrets redacted, one `VARIABLE=value` per line.

It reads nothing but settings and creates nothing; when the database it names does not exist (or
its URL is unusable) it says so on stderr, so a typo shows before `run` is ever started.
"""

from __future__ import annotations

import typer

from biddaemon.cli.application import app
from biddaemon.cli.common import prepare
from biddaemon.cli.database_checks import DatabaseUse, database_problems
from biddaemon.cli.output import JSON_OPTION_HELP, print_json


@app.command("config")
def config_command(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """Print the effective configuration (secrets shown as **********)."""
    from biddaemon.settings import iter_effective

    settings = prepare(log=False)
    rows = iter_effective(settings)
    if as_json:
        print_json(dict(rows))
    else:
        for name, value in rows:
            typer.echo(f"{name}={value}")
    for name, problem in database_problems(settings, DatabaseUse.READ).items():
        typer.echo(f"note: {name}: {problem}", err=True)
