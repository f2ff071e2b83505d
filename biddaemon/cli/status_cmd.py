"""`biddaemon status`: where the database is, its schema, and what the jobs did last."""

from __future__ import annotations

from typing import Any

import typer

from biddaemon.cli.application import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, console, print_json


@app.command("status")
def status_command(
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Show the database, its schema revision, the last run of each job and ballots by state."""
    from biddaemon.daemon.instance import active_instance
    from biddaemon.settings import redact_url
    from biddaemon.store import ballots, queries, schema_version
    from biddaemon.store.database import reachable, session_factory

    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings, require_schema=False)
    with reachable(engine):
        revision = schema_version.current_revision(engine)
        head = schema_version.HEAD_REVISION
        report: dict[str, Any] = {
            "database": redact_url(settings.effective_database_url),
            "schema": {"current": revision, "head": head, "up_to_date": revision == head},
            "mode": "dry run" if settings.dry_run else "live",
            "active_instance": active_instance(engine),
        }
        if revision == head:
            with session_factory(engine)() as session:
                report["jobs"] = [
                    {
                        "job": job.job,
                        "last_run": job.last_started_at.isoformat(timespec="seconds"),
                        "status": job.last_status.value,
                        "last_success": job.last_success_at.isoformat(timespec="seconds")
                        if job.last_success_at
                        else None,
                        "error": job.last_error,
                    }
                    for job in queries.job_summaries(session)
                ]
                report["open_competitions"] = queries.open_competitions(session)
                states = queries.ballots_by_state(session)
                report["ballots"] = {s.value: n for s, n in sorted(states.items())}
                report["in_doubt"] = [
                    {"competition": competition, "ballot": ballot, "reason": reason}
                    for competition, ballot, reason in ballots.doubts(session)
                ]
    engine.dispose()
    if as_json:
        print_json(report)
    else:
        _print(report)


def _print(report: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    schema = report["schema"]
    out.print(f"database: {report['database']}")
    state = "up to date" if schema["up_to_date"] else "run `biddaemon db upgrade`"
    out.print(f"schema: {schema['current'] or 'none'} (head {schema['head']}, {state})")
    out.print(f"mode: {report['mode']}")
    out.print(f"active instance: {report['active_instance']}")
    if not schema["up_to_date"]:
        return
    table = Table("job", "last run", "status", "last success", "error", title="jobs")
    for job in report["jobs"]:
        table.add_row(
            job["job"],
            job["last_run"],
            job["status"],
            job["last_success"] or "never",
            job["error"] or "",
        )
    if report["jobs"]:
        out.print(table)
    else:
        out.print("jobs: none has run yet")
    out.print(f"open competitions: {report['open_competitions']}")
    summary = ", ".join(f"{state} {count}" for state, count in report["ballots"].items())
    out.print(f"ballots: {summary or 'none'}")
    for doubt in report["in_doubt"]:
        # Nothing is sent for this competition until its ballot is reconciled.
        out.print(
            f"in doubt: competition {doubt['competition']} (ballot {doubt['ballot']}): "
            f"{doubt['reason']}",
            markup=False,
        )
