"""`biddaemon db upgrade|downgrade|current`: the schema, managed by Alembic."""

from __future__ import annotations

import typer

from biddaemon.cli import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, print_json
from biddaemon.settings import redact_url
from biddaemon.store import migrate
from biddaemon.store.database import reachable

db_app = typer.Typer(help="Create, upgrade and inspect the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision."),
    create_dirs: bool = typer.Option(
        False, "--create-dirs", help="Create the SQLite file's folder if it does not exist."
    ),
) -> None:
    """Apply migrations up to REVISION (default: the newest); creates a new SQLite file."""
    settings = prepare(database=DatabaseUse.CREATE, create_dirs=create_dirs)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine):
        migrate.upgrade(engine, revision)
        now = migrate.current_revision(engine)
    typer.echo(f"{redact_url(settings.effective_database_url)} is at revision {now}")


@db_app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Revert migrations down to REVISION (`base` removes every biddaemon table)."""
    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine):
        migrate.downgrade(engine, revision)
        now = migrate.current_revision(engine)
    typer.echo(f"{redact_url(settings.effective_database_url)} is at revision {now or 'base'}")


@db_app.command("current")
def current(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """Print the database's schema revision and the newest this biddaemon knows."""
    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine):
        now = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision()
    if as_json:
        print_json({"current": now, "head": head, "up_to_date": now == head})
        return
    state = "up to date" if now == head else "needs `biddaemon db upgrade`"
    typer.echo(f"current: {now or 'none'}\nhead: {head}\n{state}")
