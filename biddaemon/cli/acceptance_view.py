"""`biddaemon history --acceptance`: P(accepted) by price ratio, as the portfolio strategy sees it.

One table per (system operator, competition type) with recorded outcomes: per price-ratio bin
the estimate, the prior it started from, and the outcomes (accepted / all) it learned from; or
the same as JSON with `--json`. With no outcome at all, the prior curve alone, said as such.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from biddaemon.cli.output import console, print_json
from biddaemon.store.acceptance import recorded_outcomes
from biddaemon.strategy.acceptance import PRIOR_STRENGTH, AcceptanceModel, Curve, prior_points


def acceptance_report(model: AcceptanceModel) -> dict[str, Any]:
    """The curves as plain data (the JSON output)."""
    return {
        "outcomes": model.outcomes,
        "prior": {
            "kind": "Beta per price-ratio bin, mean falling around the guide price",
            "strength": int(PRIOR_STRENGTH),
        },
        "curves": [_curve(c) for c in model.curves()],
        "prior_curve": [{"bin": p.bin, "probability": str(p.prior)} for p in prior_points()],
    }


def _curve(curve: Curve) -> dict[str, Any]:
    return {
        "operator": curve.operator,
        "competition_type": curve.competition_type,
        "outcomes": curve.outcomes,
        "points": [
            {
                "bin": p.bin,
                "probability": str(p.probability),
                "prior": str(p.prior),
                "outcomes": p.outcomes,
                "accepted": p.accepted,
            }
            for p in curve.points
        ],
    }


def show_acceptance(session: Session, *, as_json: bool) -> None:
    model = AcceptanceModel.learn(recorded_outcomes(session))
    if as_json:
        print_json(acceptance_report(model))
        return
    from rich.table import Table

    out = console()
    curves = model.curves()
    if not curves:
        out.print("no outcomes recorded yet: the prior alone (price / guide price -> P(accepted))")
        table = Table("price / guide", "P(accepted)")
        for point in prior_points():
            table.add_row(point.bin, str(point.prior))
        out.print(table)
        return
    for curve in curves:
        title = (
            f"{curve.operator or '(operator unknown)'} · {curve.competition_type} · "
            f"{curve.outcomes} outcome(s)"
        )
        table = Table(
            "price / guide", "P(accepted)", "prior", "accepted / outcomes",
            title=title, title_justify="left",
        )  # fmt: skip
        for point in curve.points:
            table.add_row(
                point.bin, str(point.probability), str(point.prior),
                f"{point.accepted} / {point.outcomes}",
            )  # fmt: skip
        out.print(table)
    out.print("Estimates: Beta prior per bin (10 pseudo-outcomes) updated by the outcomes.")
