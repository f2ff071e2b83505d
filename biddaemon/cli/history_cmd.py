"""`biddaemon history`: ballots, bids, the reasons behind them, and what the market decided.

By default one line per competition (its state, the windows and MW of its latest ballot, the
availability value offered, the outcome, the last decision's main reason), so that a season
reads on one screen; `--competition ID` or `--detail` print the full decision record;
`--acceptance` the acceptance curve learned from the outcomes (`cli.acceptance_view`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN
from biddaemon.cli.application import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, console, print_json

if TYPE_CHECKING:
    from rich.console import Console

SENT_STATES = ("submitted", "superseded")


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


def summary_row(record: dict[str, Any]) -> dict[str, str]:
    """The one-line view of a competition, from its latest ballot and the bids' outcomes."""
    ballots = record["ballots"]
    latest = ballots[-1] if ballots else None
    bids = latest["bids"] if latest else []
    mw = sum((Decimal(bid["capacity"]) for bid in bids), Decimal(0))
    value = sum(
        (Decimal(bid["capacity"]) * Decimal(bid["rates"].get("availability", 0)) for bid in bids),
        Decimal(0),
    )
    outcomes = [bid["outcome"] for ballot in ballots for bid in ballot["bids"] if bid["outcome"]]
    accepted = sum(1 for o in outcomes if o["status"] == "accepted")
    if outcomes:
        outcome = f"{accepted} accepted, {len(outcomes) - accepted} not"
    elif latest is not None and latest["state"] in SENT_STATES:
        outcome = "awaiting results"
    else:
        outcome = "-"
    state = record["status"] or "?"
    if latest is not None:
        state += f", ballot {latest['state']}"
    return {
        "competition": record["id"],
        "closes": record["competition_close"] or "?",
        "state": state,
        "windows": str(len(bids)),
        "MW": str(mw),
        "£/h avail.": str(value.quantize(Decimal("0.01"))),
        "outcome": outcome,
        "reason": main_reason(record) + _noted(record),
    }


def _noted(record: dict[str, Any]) -> str:
    """Points at changes under our ballots and odd results, shown in full with --competition."""
    noted = len(record.get("events", ())) + len(record.get("unrecorded_observations", ()))
    return f" ({noted} market change(s) or anomaly(ies) noted)" if noted else ""


def main_reason(record: dict[str, Any]) -> str:
    """The last decision in a few words: what it did and its first reason, if it gave one."""
    decision = record["last_decision"] or (
        record["ballots"][-1]["decision"] if record["ballots"] else None
    )
    if not decision:
        return "no decision yet"
    outcome = str(decision.get("outcome") or "?")
    reasons = [
        *decision.get("reasons", ()),
        *("; ".join(r.get("reasons", ())) for r in decision.get("rejected", ())),
        *(s.get("reason") for s in decision.get("skipped", ())),
        *decision.get("notes", ()),
    ]
    error = decision.get("error")
    if error:
        reasons.insert(0, f"strategy error: {error.get('type')}: {error.get('message')}")
    first = next((str(reason) for reason in reasons if reason), "")
    if outcome == "ballot" and not first:
        first = f"{len(decision.get('bids', ()))} window(s) bid"
    return f"{outcome}: {first}" if first else outcome


def _print_summary(out: Console, records: list[dict[str, Any]]) -> None:
    from rich.table import Table

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
