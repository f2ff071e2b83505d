"""`biddaemon status`: where the database is, its schema, and what the jobs did last."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from biddaemon.cli import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.daemon.instance import active_instance
from biddaemon.settings import redact_url
from biddaemon.store import ballots, migrate, queries
from biddaemon.store.database import reachable, session_factory


@app.command("status")
def status_command() -> None:
    """Show the database, its schema revision, the last run of each job and ballots by state."""
    settings = prepare()
    engine = open_engine(settings, require_schema=False)
    console = Console(soft_wrap=True)
    with reachable(engine):
        revision = migrate.current_revision(engine)
    head = migrate.head_revision()
    console.print(f"database: {redact_url(settings.effective_database_url)}")
    schema_state = "up to date" if revision == head else "run `biddaemon db upgrade`"
    console.print(f"schema: {revision or 'none'} (head {head}, {schema_state})")
    console.print(f"mode: {'dry run' if settings.dry_run else 'live'}")
    console.print(f"active instance: {active_instance(engine)}")
    if revision != head:
        raise typer.Exit(0)
    with session_factory(engine)() as session:
        jobs = queries.job_summaries(session)
        states = queries.ballots_by_state(session)
        open_count = queries.open_competitions(session)
        doubtful = ballots.doubts(session)
    table = Table("job", "last run", "status", "last success", "error", title="jobs")
    for job in jobs:
        table.add_row(
            job.job,
            job.last_started_at.isoformat(timespec="seconds"),
            job.last_status.value,
            job.last_success_at.isoformat(timespec="seconds") if job.last_success_at else "never",
            (job.last_error or "")[:80],
        )
    if jobs:
        console.print(table)
    else:
        console.print("jobs: none has run yet")
    console.print(f"open competitions: {open_count}")
    summary = ", ".join(f"{state.value} {count}" for state, count in sorted(states.items()))
    console.print(f"ballots: {summary or 'none'}")
    for competition, ballot, reason in doubtful:
        # Nothing is sent for this competition until its ballot is reconciled.
        console.print(f"in doubt: competition {competition} (ballot {ballot}): {reason}")
