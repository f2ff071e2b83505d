"""The dashboard's handler, built when the first page is asked for.

`lazy_dashboard` imports the real handler (Jinja2, the store's queries) only on the first
request, so a daemon nobody looks at never imports them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from biddaemon.web.http import LiveFacts, PageHandler, WebRequest, WebResponse

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from biddaemon.settings import Settings


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
