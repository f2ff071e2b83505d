"""A Piclo Flex market that runs on loopback: rehearse strategies, upgrades and failures.

`biddaemon sandbox` serves it from the command line; `SandboxServer` runs it in-process. It shares
no code with biddaemon's client or engine (a test checks the imports), so that the daemon is
judged by a referee that did not write its rules.
"""

from __future__ import annotations

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
