"""How reporting commands print: full width and no colour off a terminal, or JSON.

Off a terminal (`docker exec`, `ssh host cmd`, CI logs, a pipe) rich would cut tables to 80
columns and timestamps would end in "…"; there the console is as wide as the longest line.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # imported by console(): `--help` and the JSON output need no rich
    from rich.console import Console

OFF_TERMINAL_WIDTH = 10_000

JSON_OPTION_HELP = "Print machine-readable JSON instead of text."


def console() -> Console:
    """A console for stdout: rich on a terminal; plain and never truncated anywhere else."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False, soft_wrap=True)
    return Console(
        highlight=False, soft_wrap=True, width=OFF_TERMINAL_WIDTH, color_system=None, emoji=False
    )


def print_json(data: Any) -> None:
    """One JSON document on stdout (Decimals, datetimes and enums as strings)."""
    typer.echo(json.dumps(data, indent=2, default=str, sort_keys=False))
