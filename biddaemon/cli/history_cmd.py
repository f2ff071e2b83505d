"""`biddaemon history`: ballots, bids, the reasons behind them, and what the market decided.

By default one line per competition (its state, the windows and MW of its latest ballot, the
availability value offered, the outcome, the last decision's main reason), so that a season
reads on one screen; `--competition ID` or `--detail` print the full decision record;
`--acceptance` the acceptance curve learned from the outcomes (`cli.acceptance_view`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN
from biddaemon.cli.application import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, console, print_json

if TYPE_CHECKING:
    from rich.console import Console


@app.command("history")
def history_command(
    competition: str | None = typer.Option(
        None, "--competition", "-c", help="One competition, with its full decision record."
    ),
    detail: bool = typer.Option(False, "--detail", help="Every competition's full record."),
    acceptance: bool = typer.Option(
        False,
        "--acceptance",
        help="The acceptance curve learned from our outcomes, per operator and type.",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """One line per competition: state, windows bid, MW, value, outcome and the main reason."""
    from biddaemon.store.database import reachable, session_factory
    from biddaemon.store.history import competition_history

    settings = prepare(database=DatabaseUse.READ)
    engine = open_engine(settings)
    if acceptance:
        from biddaemon.cli.acceptance_view import show_acceptance

        with reachable(engine), session_factory(engine)() as session:
            show_acceptance(session, as_json=as_json)
        engine.dispose()
        return
    with reachable(engine), session_factory(engine)() as session:
        records = competition_history(session, competition)
    engine.dispose()
    if competition is not None and not records:
        typer.echo(f"biddaemon: no competition {competition!r} is recorded", err=True)
        raise typer.Exit(EXIT_COULD_NOT_RUN)
    if as_json:
        print_json(records)
        return
    out = console()
    if not records:
        out.print("no competitions recorded yet")
        return
    if competition is not None or detail:
        for record in records:
            _print_competition(out, record)
        return
    _print_summary(out, records)


def _print_summary(out: Console, records: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from biddaemon.store.history import summary_row

    rows = [summary_row(record) for record in records]
    table = Table(*rows[0].keys(), title=f"{len(rows)} competition(s)", title_justify="left")
    for row in rows:
        table.add_row(*row.values())
    out.print(table)
    out.print("Full record: biddaemon history --competition ID (or --detail for all)")


def _print_competition(out: Console, record: dict[str, Any]) -> None:
    from biddaemon.bidding.explain import render_decision

    title = f"{record['id']}  {record['name'] or ''}".rstrip()
    out.print(f"\n{title}", style="bold", markup=False)
    out.print(
        f"  {record['operator'] or '?'} · {record['type']} · {record['need_direction']} · "
        f"closes {record['competition_close']} · status {record['status']}"
        + (f" · results {record['results_status']}" if record["results_status"] else ""),
        markup=False,
    )
    if not record["ballots"] and record["last_decision"]:
        out.print(f"  last decision ({record['last_decided_at']}):")
        for line in render_decision(record["last_decision"]):
            out.print(f"    {line}", markup=False)
    for ballot in record["ballots"]:
        flags = " (dry run)" if ballot["dry_run"] else ""
        out.print(
            f"  ballot {ballot['id']} [{ballot['state']}]{flags} market id "
            f"{ballot['market_ballot_id'] or '-'} · created {ballot['created_at']}",
            markup=False,
        )
        if ballot["rejection_text"]:
            out.print(f"    rejected: {ballot['rejection_text']}", markup=False)
        for bid in ballot["bids"]:
            rates = ", ".join(f"{k} {v}" for k, v in bid["rates"].items())
            outcome = bid["outcome"]
            verdict = ""
            if outcome:
                verdict = f" -> {outcome['status']} {outcome['capacity']} MW"
                if outcome["rejection_reason"]:
                    verdict += f" ({outcome['rejection_reason']})"
            out.print(
                f"    bid {bid['service_window_id']}: {bid['capacity']} MW, {rates}, "
                f"max runtime {bid['max_runtime'] or '-'}{verdict}",
                markup=False,
            )
        for line in render_decision(ballot["decision"]):
            out.print(f"      {line}", markup=False)
    for event in record.get("events", ()):
        flags = " (dry run)" if event["dry_run"] else ""
        out.print(f"  {event['at']}: {event['detail']}{flags}", markup=False)
    for observation in record.get("unrecorded_observations", ()):
        out.print(f"  listed {observation['at']}: {observation['detail']}", markup=False)
