"""How a sandbox is started: the few knobs the CLI, the in-process runner and tests share."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from biddaemon.sandbox.defaults import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PAGE_SIZE,
    DEFAULT_PROVIDER_ID,
    DEFAULT_PROVIDER_NAME,
    DEFAULT_TOKEN_LIFETIME_SECONDS,
    MAX_PAGE_SIZE,
)
from biddaemon.sandbox.faults import FaultSpec


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 and ::1: the addresses nobody else can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox starts from. `port=0` picks a free port (what tests want).

    `seed` and `start` (the simulated instant the clock starts at) default to the scenario's,
    else to seed 1 and now; `speed` is how many simulated seconds pass per real second (0 freezes
    the clock, so only the admin API moves it); `contested` generates the contested market of
    `biddaemon.sandbox.contested` instead of the default one.
    """

    host: str = DEFAULT_HOST
    port: int = 0
    seed: int | None = None
    speed: float = 1.0
    start: datetime | None = None
    client_id: str = DEFAULT_CLIENT_ID
    api_key: str = field(default=DEFAULT_API_KEY, repr=False)
    provider_id: str = DEFAULT_PROVIDER_ID
    provider_name: str = DEFAULT_PROVIDER_NAME
    token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS
    scenario: Path | None = None
    faults: tuple[FaultSpec, ...] = ()
    page_size: int = DEFAULT_PAGE_SIZE
    allow_remote: bool = False
    contested: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not self.allow_remote and not is_loopback(self.host):
            problems.append(
                f"host {self.host!r} is not a loopback address; the sandbox has public "
                "credentials and an unauthenticated admin API, so pass allow_remote "
                "(--allow-remote) to serve it beyond this machine"
            )
        if not 0 <= self.port <= 65535:
            problems.append(f"port {self.port} is not between 0 and 65535")
        if self.speed < 0:
            problems.append("speed must be zero (frozen clock) or positive")
        if self.start is not None and self.start.tzinfo is None:
            problems.append("start must be timezone-aware")
        if self.token_lifetime_seconds <= 0:
            problems.append("token lifetime must be positive")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            problems.append(f"page size must be between 1 and {MAX_PAGE_SIZE}")
        if not (self.client_id and self.api_key and self.provider_id):
            problems.append("client id, api key and provider id must not be empty")
        if problems:
            raise ValueError("; ".join(problems))
