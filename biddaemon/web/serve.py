"""The pages on their own server, for `biddaemon dashboard` and `biddaemon demo --serve`.

Nothing runs here but the pages: no scheduler, no lock, no `/healthz` (that belongs to the
daemon). The database is only read, so a standby, a copy or a stopped daemon's file can be
looked at while something else holds it.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from sqlalchemy import Engine

from biddaemon.daemon.health import HealthServer
from biddaemon.errors import ConfigurationError
from biddaemon.settings import Settings
from biddaemon.store.database import session_factory
from biddaemon.web.http import LiveFacts
from biddaemon.web.lazy import lazy_dashboard

DEFAULT_DASHBOARD_PORT = 9318  # beside the daemon's own 9317, so both run on one machine


def open_dashboard(settings: Settings, engine: Engine, host: str, port: int) -> HealthServer:
    """Start serving the pages for `engine`'s database on host:port (0: any free port)."""
    pages = lazy_dashboard(settings, session_factory(engine), LiveFacts(role=lambda: "read-only"))
    try:
        return HealthServer(host, port, None, pages).start()
    except OSError as exc:
        raise ConfigurationError(
            {"--port": f"cannot listen on {host}:{port} ({exc.strerror or exc})"}
        ) from None


def serve_until_stopped(server: HealthServer, stop: threading.Event | None = None) -> None:
    """Block until SIGINT/SIGTERM (or `stop`), then close the server."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():

        def handle(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, handle)
        signal.signal(signal.SIGTERM, handle)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
