"""`biddaemon backtest`: strategies side by side on the same seeded sandbox market, one table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN
from biddaemon.cli.application import app
from biddaemon.cli.output import JSON_OPTION_HELP, console, print_json

if TYPE_CHECKING:
    from decimal import Decimal

    from biddaemon.backtest.run import Backtest

COLUMNS = (
    "strategy",
    "competitions bid",
    "windows bid",
    "MW offered",
    "MW accepted",
    "acceptance rate",
    "accepted value (GBP)",
    "capacity left idle (MW)",
    "share of the limit",
)


@app.command("backtest")
def backtest_command(
    strategy: list[str] | None = typer.Option(  # noqa: B008 - Typer's way of declaring options
        None,
        "--strategy",
        help="A built-in strategy or package.module:Class (repeatable; default: the built-ins "
        "that need no prices). Other BIDDAEMON_STRATEGY__* settings apply to every strategy.",
    ),
    days: int = typer.Option(30, min=1, max=366, help="Simulated days to run."),
    seed: int = typer.Option(1, help="The sandbox market's seed (the same for every strategy)."),
    step_hours: int = typer.Option(
        6, min=1, max=24, help="Simulated hours between two opportunities cycles."
    ),
    chart: Path | None = typer.Option(  # noqa: B008
        None, help="Write a chart of accepted value per simulated day to this file (png, svg)."
    ),
    database: str | None = typer.Option(
        None,
        "--database",
        help="Instead: re-decide the competitions recorded in this database (a URL) with each "
        "--strategy and print the EXPECTED value under the acceptance model learned from it.",
    ),
    json_output: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Run strategies side by side on the same seeded market and compare them with the limit.

    Each strategy runs the real daemon on its own sandbox market (the contested one, where
    price and allocation matter) and its own fresh SQLite database, for --days simulated days.
    The last row, the limit, is the most the fleet could have earned knowing every DSO's
    budget and every rival offer.

    With --database URL, no market runs: the competitions that database recorded are decided
    again by each --strategy, and the value shown is an estimate (expected value under the
    acceptance model learned from the database's outcomes), next to the recorded ballots
    priced the same way and their realised value.
    """
    from datetime import timedelta

    from biddaemon.backtest.chart import require_matplotlib, write_chart
    from biddaemon.backtest.run import run_backtest, strategy_settings
    from biddaemon.logs import configure_logging
    from biddaemon.settings import BUILTIN_STRATEGIES, load_settings

    names = strategy or [n for n in BUILTIN_STRATEGIES if n != "fixed-price"]
    if database is not None:
        from biddaemon.cli.backtest_estimate import estimate_command

        estimate_command(database, names, json_output=json_output)
        return
    if chart is not None:
        require_matplotlib()  # before minutes of simulation, not after
    configure_logging(level="ERROR", fmt="console")
    chosen = strategy_settings(load_settings().strategy, names)
    say = console()
    progress = (lambda _: None) if json_output else say.print
    result = run_backtest(
        chosen, days=days, seed=seed, step=timedelta(hours=step_hours), progress=progress
    )
    written = None if chart is None else write_chart(result, chart)
    if json_output:
        print_json(as_json(result) | {"chart": None if written is None else str(written)})
    else:
        _print_table(result)
        if written is not None:
            say.print(f"chart written to {written}", markup=False)
    if result.rule_violations:
        raise typer.Exit(EXIT_COULD_NOT_RUN)


def rows(result: Backtest) -> list[dict[str, Any]]:
    """One dict per strategy, then the limit, with the table's columns."""
    found = []
    for run in result.runs:
        m = run.measured
        found.append(
            {
                "strategy": run.strategy,
                "competitions_bid": m.competitions_bid,
                "windows_bid": m.windows_bid,
                "mw_offered": m.mw_offered,
                "mw_accepted": m.mw_accepted,
                "acceptance_rate": m.acceptance_rate,
                "accepted_value_gbp": m.accepted_value,
                "idle_mw": run.idle_mw,
                "share_of_limit": result.share_of_limit(m.accepted_value),
            }
        )
    limit = result.limit
    found.append(
        {
            "strategy": "limit",
            "competitions_bid": limit.competitions_bid,
            "windows_bid": limit.windows_bid,
            "mw_offered": limit.mw_accepted,
            "mw_accepted": limit.mw_accepted,
            "acceptance_rate": None if limit.mw_accepted == 0 else 1,
            "accepted_value_gbp": limit.accepted_value,
            "idle_mw": max(limit.room_mw - limit.mw_accepted, 0),
            "share_of_limit": None if limit.accepted_value == 0 else 1,
        }
    )
    return found


def as_json(result: Backtest) -> dict[str, Any]:
    return {
        "seed": result.seed,
        "days": result.days,
        "simulated_from": result.started,
        "simulated_to": result.ended,
        "rows": rows(result),
        "limit_status": result.limit.status,
        "referee_rule_violations": result.rule_violations,
        "daily_accepted_value_gbp": {r.strategy: list(r.daily_value) for r in result.runs}
        | {"limit": list(result.limit_daily_value)},
    }


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return str(value)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _share(value: object) -> str:
    return "-" if value is None else f"{float(str(value)):.1%}"


def _print_table(result: Backtest) -> None:
    from rich.table import Table

    say = console()
    title = (
        f"Backtest: seed {result.seed}, {result.days} simulated days "
        f"({result.started:%Y-%m-%d} to {result.ended:%Y-%m-%d}), decided competitions only"
    )
    table = Table(*COLUMNS, title=title, title_justify="left")
    listed = rows(result)
    for number, row in enumerate(listed):
        table.add_row(
            row["strategy"],
            _cell(row["competitions_bid"]),
            _cell(row["windows_bid"]),
            _cell(row["mw_offered"]),
            _cell(row["mw_accepted"]),
            _share(row["acceptance_rate"]),
            _money(row["accepted_value_gbp"]),
            _cell(row["idle_mw"]),
            _share(row["share_of_limit"]),
            end_section=number == len(listed) - 2,
        )
    say.print(table)
    say.print(
        f"referee: {result.rule_violations} rule violation(s) over every strategy's ballots; "
        f"limit solved {result.limit.status} (perfect knowledge of budgets and rival offers)",
        markup=False,
    )
