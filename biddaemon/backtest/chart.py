"""Accepted value over the simulated days, per strategy and for the limit, as an image file.

matplotlib is an optional extra (`pip install 'biddaemon[charts]'`): the table never needs it,
and asking for a chart without it is a usage mistake named in one sentence, checked before the
backtest runs rather than after minutes of simulation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from biddaemon.errors import ConfigurationError

if TYPE_CHECKING:
    from biddaemon.backtest.run import Backtest

MISSING = (
    "a chart needs matplotlib, which is not installed: pip install 'biddaemon[charts]' "
    "(the table needs nothing more)"
)


def require_matplotlib() -> Any:
    """The pyplot module with a file-only backend, or a ConfigurationError naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigurationError({"--chart": MISSING}) from None
    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as pyplot

    return pyplot


def write_chart(backtest: Backtest, path: Path) -> Path:
    """Cumulative accepted value (GBP) at the end of each simulated day, one line per strategy
    and a dashed one for the limit; the format follows the file's suffix (png, svg, pdf)."""
    pyplot = require_matplotlib()
    from matplotlib import ticker

    if not path.parent.is_dir():
        raise ConfigurationError({"--chart": f"the folder {path.parent} does not exist"})
    figure, axes = pyplot.subplots(figsize=(9, 5))
    try:
        for run in backtest.runs:
            days = range(1, len(run.daily_value) + 1)
            axes.plot(days, [float(v) for v in run.daily_value], marker="o", label=run.strategy)
        if backtest.limit_daily_value:
            days = range(1, len(backtest.limit_daily_value) + 1)
            values = [float(v) for v in backtest.limit_daily_value]
            axes.plot(days, values, linestyle="--", color="black", label="limit")
        axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
        axes.set_xlabel("simulated day")
        axes.set_ylabel("accepted value, cumulative (GBP)")
        axes.set_title(f"biddaemon backtest, seed {backtest.seed}, {backtest.days} days")
        axes.grid(True, alpha=0.3)
        axes.legend()
        figure.tight_layout()
        figure.savefig(path)
    finally:
        pyplot.close(figure)
    return path
