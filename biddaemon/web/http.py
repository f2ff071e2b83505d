"""What a page handler takes and gives: plain data, no web framework.

The health server (`biddaemon.daemon.health`) parses the request with the standard library and
hands a `WebRequest` to a `PageHandler`; `lazy_dashboard` builds the real handler (Jinja2, the
store's queries) only when the first page is asked for, so a daemon nobody looks at never
imports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from biddaemon.settings import Settings


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


def lazy_dashboard(
    settings: Settings, factory: sessionmaker[Session], live: LiveFacts
) -> PageHandler:
    """A handler that imports and builds the dashboard on the first request it is given."""
    lock = threading.Lock()
    built: list[PageHandler] = []

    def handle(request: WebRequest) -> WebResponse:
        with lock:
            if not built:
                from biddaemon.web.pages import Dashboard

                built.append(Dashboard(settings, factory, live))
        return built[0](request)

    return handle
