"""`biddaemon history`: ballots, bids, the reasons behind them, and what the market decided."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from biddaemon.cli.app import app
from biddaemon.cli.common import open_engine, prepare

if TYPE_CHECKING:
    from rich.console import Console


@app.command("history")
def history_command(
    competition: str | None = typer.Option(None, "--competition", "-c", help="One competition."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show every competition's ballots, bids, decisions with reasons, and outcomes."""
    from rich.console import Console

    from biddaemon.store.database import session_factory
    from biddaemon.store.history import competition_history

    settings = prepare()
    engine = open_engine(settings)
    with session_factory(engine)() as session:
        records = competition_history(session, competition)
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(records, indent=2, default=str))
        return
    console = Console(soft_wrap=True, highlight=False)
    if not records:
        console.print("no competitions recorded yet")
        return
    for record in records:
        _print_competition(console, record)


def _print_competition(console: Console, record: dict[str, Any]) -> None:
    from biddaemon.bidding.explain import render_decision

    title = f"{record['id']}  {record['name'] or ''}".rstrip()
    console.print(f"\n[bold]{title}[/bold]")
    console.print(
        f"  {record['operator'] or '?'} · {record['type']} · {record['need_direction']} · "
        f"closes {record['competition_close']} · status {record['status']}"
        + (f" · results {record['results_status']}" if record["results_status"] else "")
    )
    if not record["ballots"] and record["last_decision"]:
        console.print(f"  last decision ({record['last_decided_at']}):")
        for line in render_decision(record["last_decision"]):
            console.print(f"    {line}")
    for ballot in record["ballots"]:
        flags = " (dry run)" if ballot["dry_run"] else ""
        console.print(
            f"  ballot {ballot['id']} [{ballot['state']}]{flags} market id "
            f"{ballot['market_ballot_id'] or '-'} · created {ballot['created_at']}"
        )
        if ballot["rejection_text"]:
            console.print(f"    rejected: {ballot['rejection_text']}")
        for bid in ballot["bids"]:
            rates = ", ".join(f"{k} {v}" for k, v in bid["rates"].items())
            outcome = bid["outcome"]
            verdict = ""
            if outcome:
                verdict = f" -> {outcome['status']} {outcome['capacity']} MW"
                if outcome["rejection_reason"]:
                    verdict += f" ({outcome['rejection_reason']})"
            console.print(
                f"    bid {bid['service_window_id']}: {bid['capacity']} MW, {rates}, "
                f"max runtime {bid['max_runtime'] or '-'}{verdict}"
            )
        for line in render_decision(ballot["decision"]):
            console.print(f"      {line}")
