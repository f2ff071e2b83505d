"""What a page handler takes and gives: plain data, no web framework.

The health server (`biddaemon.daemon.health`) parses the request with the standard library and
hands a `WebRequest` to a `PageHandler` (`biddaemon.web.lazy` builds the real one when the
first page is asked for).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class WebRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""


@dataclass(frozen=True)
class WebResponse:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


PageHandler = Callable[[WebRequest], WebResponse]


@dataclass
class LiveFacts:
    """What only the running process knows: its role, the scheduler's next runs, a halt."""

    role: Callable[[], str] = field(default=lambda: "read-only")
    next_runs: Callable[[], list[tuple[str, datetime | None]]] | None = None
    halted: Callable[[], str | None] = field(default=lambda: None)
