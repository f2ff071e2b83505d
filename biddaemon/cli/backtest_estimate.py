"""`biddaemon backtest --database URL`: the recorded competitions re-decided, as an ESTIMATE.

Apart from `backtest_cmd` so that the simulated backtest's module stays about one thing; the
command imports this only when --database is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from biddaemon.cli.output import console, print_json
from biddaemon.errors import ConfigurationError

LABEL = (
    "ESTIMATE, not a market result: expected value under the acceptance model learned from "
    "{outcomes} recorded outcome(s); each competition re-decided on its own from its last "
    "observation before the close"
)


def estimate_command(database: str, names: Sequence[str], *, json_output: bool) -> None:
    from biddaemon.backtest.estimate import (
        estimate,
        learned_model,
        model_probability,
        recorded_competitions,
        recorded_estimate,
    )
    from biddaemon.backtest.measure import accepted_value
    from biddaemon.backtest.run import strategy_settings
    from biddaemon.cli.common import open_engine
    from biddaemon.cli.database_checks import DatabaseUse, database_problems
    from biddaemon.logs import configure_logging
    from biddaemon.settings import load_settings
    from biddaemon.store.database import reachable, session_factory
    from biddaemon.strategy.loader import load_strategy

    configure_logging(level="ERROR", fmt="console")
    settings = load_settings(database_url=database)
    problems = database_problems(settings, DatabaseUse.READ)
    if problems:
        raise ConfigurationError({"--database": "; ".join(problems.values())})
    chosen = strategy_settings(settings.strategy, names)
    margin = settings.safety_margin
    engine = open_engine(settings)
    try:
        with reachable(engine), session_factory(engine)() as session:
            model = learned_model(session)
            probability = model_probability(model)
            recorded = recorded_competitions(session, settings.strategy)
            rows = [
                estimate(
                    load_strategy(s), recorded, probability, safety_margin=margin, label=s.name
                )
                for s in chosen
            ]
            rows.append(recorded_estimate(session, recorded, probability))
            realised = accepted_value(session)
    finally:
        engine.dispose()
    label = LABEL.format(outcomes=model.outcomes)
    listed = [_row(r) for r in rows]
    if json_output:
        print_json(
            {
                "estimate": True,
                "label": label,
                "competitions": len(recorded),
                "rows": listed,
                "recorded_realised_value_gbp": realised,
            }
        )
        return
    _print(listed, label, len(recorded), realised)


def _row(estimate: Any) -> dict[str, Any]:
    return {
        "strategy": estimate.strategy,
        "competitions_bid": estimate.competitions_bid,
        "windows_bid": estimate.windows_bid,
        "mw_offered": estimate.mw_offered,
        "expected_mw_accepted": estimate.expected_mw_accepted,
        "expected_value_gbp": estimate.expected_value,
    }


def _print(rows: list[dict[str, Any]], label: str, competitions: int, realised: Any) -> None:
    from rich.table import Table

    say = console()
    table = Table(
        "strategy",
        "competitions bid",
        "windows bid",
        "MW offered",
        "expected MW accepted",
        "expected value (GBP, estimate)",
        title=f"Backtest on {competitions} recorded competition(s): {label}",
        title_justify="left",
    )
    for number, row in enumerate(rows):
        table.add_row(
            row["strategy"],
            str(row["competitions_bid"]),
            str(row["windows_bid"]),
            str(row["mw_offered"]),
            str(row["expected_mw_accepted"]),
            f"{row['expected_value_gbp']:,.2f}",
            end_section=number == len(rows) - 2,
        )
    say.print(table)
    say.print(
        f"the recorded ballots' realised accepted value, on the results recorded so far: "
        f"{realised:,.2f} GBP (what the DSOs decided; the figures above are expectations)",
        markup=False,
    )
