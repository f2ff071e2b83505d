"""A Piclo Flex market that runs on loopback: rehearse strategies, upgrades and failures.

`biddaemon sandbox` serves it from the command line; `SandboxServer` runs it in-process. It shares
no code with biddaemon's client or engine (a test checks the imports), so that the daemon is
judged by a referee that did not write its rules.

The seeded DSOs open the same competitions for the same seed, however the clock moves
(`generator`). `contested=True` (`biddaemon sandbox --contested`, and every `biddaemon backtest`)
makes the same competitions contested, where strategies differ (`contested`): budgets that vary
by operator (some below the guide price), rival offers priced around the guide price with a
spread drawn per competition, and border batteries that qualify for two operators' competitions
whose windows overlap. The same seed gives the same contested market.

The names below are imported on first use, so that importing a light module such as
`biddaemon.sandbox.defaults` (as the CLI does for its --help) does not load FastAPI and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from biddaemon.sandbox.clock import SandboxClock
    from biddaemon.sandbox.config import SandboxConfig
    from biddaemon.sandbox.defaults import (
        DEFAULT_API_KEY,
        DEFAULT_CLIENT_ID,
        DEFAULT_PORT,
        DEFAULT_PROVIDER_ID,
    )
    from biddaemon.sandbox.faults import FaultSpec
    from biddaemon.sandbox.referee import judge_ballot, review_ballot
    from biddaemon.sandbox.server import SandboxServer

_HOMES = {
    "DEFAULT_API_KEY": "defaults",
    "DEFAULT_CLIENT_ID": "defaults",
    "DEFAULT_PORT": "defaults",
    "DEFAULT_PROVIDER_ID": "defaults",
    "FaultSpec": "faults",
    "SandboxClock": "clock",
    "SandboxConfig": "config",
    "SandboxServer": "server",
    "judge_ballot": "referee",
    "review_ballot": "referee",
}

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_PORT",
    "DEFAULT_PROVIDER_ID",
    "FaultSpec",
    "SandboxClock",
    "SandboxConfig",
    "SandboxServer",
    "judge_ballot",
    "review_ballot",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'biddaemon.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"biddaemon.sandbox.{home}"), name)
