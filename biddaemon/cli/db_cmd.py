"""`biddaemon db upgrade|downgrade|current|repair`: the schema, managed by Alembic."""

from __future__ import annotations

import typer

from biddaemon.cli.application import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, print_json

db_app = typer.Typer(help="Create, upgrade and inspect the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision."),
    create_dirs: bool = typer.Option(
        False, "--create-dirs", help="Create the SQLite file's folder if it does not exist."
    ),
) -> None:
    """Apply migrations up to REVISION (default: the newest) in one transaction; creates a new
    SQLite file. Takes the instance lock: refused, naming the holder, while one is active."""
    from biddaemon.daemon.instance import holding
    from biddaemon.settings import redact_url
    from biddaemon.store import migrate
    from biddaemon.store.database import reachable

    settings = prepare(database=DatabaseUse.CREATE, create_dirs=create_dirs)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine), holding(engine):
        migrate.upgrade(engine, revision)
        now = migrate.current_revision(engine)
    typer.echo(f"{redact_url(settings.effective_database_url)} is at revision {now}")


@db_app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Revert migrations down to REVISION (`base` removes every biddaemon table)."""
    from biddaemon.daemon.instance import holding
    from biddaemon.settings import redact_url
    from biddaemon.store import migrate
    from biddaemon.store.database import reachable

    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine), holding(engine):
        migrate.downgrade(engine, revision)
        now = migrate.current_revision(engine)
    typer.echo(f"{redact_url(settings.effective_database_url)} is at revision {now or 'base'}")


@db_app.command("current")
def current(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """Print the database's schema revision and the newest this biddaemon knows."""
    from biddaemon.store import migrate
    from biddaemon.store.database import reachable

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


@db_app.command("repair")
def repair() -> None:
    """Remove the empty leftovers of a migration interrupted outside a transaction, then upgrade.

    For a database an older biddaemon was killed while migrating ("half-applied schema").
    Refuses, changing nothing, if a leftover holds data. Takes the instance lock.
    """
    from biddaemon.daemon.instance import holding
    from biddaemon.settings import redact_url
    from biddaemon.store import migrate
    from biddaemon.store import repair as schema_repair
    from biddaemon.store.database import reachable

    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine), holding(engine):
        removed = schema_repair.repair(engine)
        now = migrate.current_revision(engine)
    for item in removed:
        typer.echo(f"removed {item}")
    if not removed:
        typer.echo("no leftovers of an interrupted migration found")
    typer.echo(f"{redact_url(settings.effective_database_url)} is at revision {now}")
