"""Run the sandbox: in a background thread for tests and demos, or in the foreground for the CLI.

    with SandboxServer(SandboxConfig(speed=0, start=...)) as sandbox:
        httpx.post(f"{sandbox.base_url}/authtoken/v1/", json={...})
        sandbox.clock.advance(3600)
        sandbox.market.all_ballots()

The socket is bound before uvicorn starts, so `base_url` is known at once even with port 0.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from biddaemon.sandbox.app import create_asgi_app
from biddaemon.sandbox.clock import SandboxClock
from biddaemon.sandbox.config import SandboxConfig
from biddaemon.sandbox.faults import FaultPlan
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.runtime import Sandbox
from biddaemon.sandbox.traffic import TrafficLog

START_TIMEOUT_SECONDS = 10.0


class SandboxServer:
    def __init__(self, config: SandboxConfig | None = None, *, clock: SandboxClock | None = None):
        self.config = config or SandboxConfig()
        self.sandbox = Sandbox(self.config, clock=clock)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- what tests reach for ------------------------------------------------------------------

    @property
    def market(self) -> Market:
        """The current market (a reset or a scenario replaces it)."""
        return self.sandbox.market

    @property
    def clock(self) -> SandboxClock:
        return self.sandbox.clock

    @property
    def faults(self) -> FaultPlan:
        return self.sandbox.faults

    @property
    def traffic(self) -> TrafficLog:
        return self.sandbox.traffic

    @property
    def port(self) -> int:
        return int(self.bind().getsockname()[1])

    @property
    def base_url(self) -> str:
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    # -- running -------------------------------------------------------------------------------

    def bind(self) -> socket.socket:
        """Bind and listen now (idempotent): the port is known, and usable, before serving."""
        if self._socket is None:
            family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
            # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
            # proto says TCP, and without it every response waits ~40 ms for a delayed ACK.
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.config.host, self.config.port))
                # Listen at once: a client that read the URL is queued until uvicorn accepts,
                # instead of being refused while it starts.
                sock.listen(128)
            except OSError:
                sock.close()
                raise
            self._socket = sock
        return self._socket

    def _uvicorn(self, *, foreground: bool, access_log: bool = False) -> uvicorn.Server:
        config = uvicorn.Config(
            create_asgi_app(self.sandbox),
            http="h11",
            loop="asyncio",
            lifespan="off",
            # In-process, leave the host program's logging alone; on the CLI, log like uvicorn.
            log_config=uvicorn.config.LOGGING_CONFIG if foreground else None,
            log_level="info" if foreground else "warning",
            access_log=access_log,  # one line per request: only when asked (--access-log)
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def start(self) -> Self:
        """Serve in a daemon thread; returns once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("this sandbox server is already running")
        server = self._uvicorn(foreground=False)
        sockets = [self.bind()]
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": sockets}, name="biddaemon-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.002)
        return self

    def run(self, *, access_log: bool = False) -> None:
        """Serve in this thread until interrupted (Ctrl+C / SIGTERM); `access_log`: log requests."""
        self._uvicorn(foreground=True, access_log=access_log).run(sockets=[self.bind()])
        self._close_socket()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT_SECONDS)
            self._thread = None
        self._close_socket()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
