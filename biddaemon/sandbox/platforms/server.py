"""Serve an ASGI app on 127.0.0.1 at a free port, in a background thread, for real-HTTP tests.

The socket is bound before the thread starts, so the port is known at once and never races
with another process; `stop()` asks uvicorn to finish and waits for the thread.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

STARTUP_TIMEOUT_SECONDS = 10.0


class SimulatorServer:
    """One app on loopback: `with SimulatorServer(app) as server: httpx.get(server.url)`."""

    def __init__(self, app: Any, *, path: str = "") -> None:
        self._app = app
        self._path = path.rstrip("/")
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = self.url if self._socket is not None else "stopped"
        return f"SimulatorServer({state})"

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the simulator is not running")
        port: int = self._socket.getsockname()[1]
        return port

    @property
    def url(self) -> str:
        """The base URL, with the app's path prefix (e.g. `/v1`) if it has one."""
        return f"http://127.0.0.1:{self.port}{self._path}"

    def start(self) -> Self:
        # IPPROTO_TCP explicitly, so asyncio sets TCP_NODELAY on accepted sockets (otherwise each
        # answer can wait ~40 ms for a delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self._app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=1
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
