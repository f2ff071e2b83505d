"""`/healthz`, `/metrics` and the dashboard pages on a small HTTP server (127.0.0.1 by default).

Health is judged from the job-run table, not from in-process flags: a job is healthy while its
last success (or, before its first run, the daemon's start) is younger than its allowed age.
A standby replica is healthy: waiting for the lock is its job. Every other path goes to the
page handler (`biddaemon.web`), which the server is given ready-made and which imports its
templates only on the first page asked for; `/healthz` and `/metrics` never need its token.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from biddaemon import metrics
from biddaemon.clock import utcnow
from biddaemon.logs import get_logger
from biddaemon.store.queries import JobSummary

if TYPE_CHECKING:
    from biddaemon.web.http import PageHandler

log = get_logger(__name__)
MAX_BODY_BYTES = 4096  # the login form is the only body the server reads


@dataclass
class HealthState:
    """What the health endpoint needs to know about this process."""

    started_at: datetime
    max_age: Mapping[str, timedelta]
    role: str = "starting"  # starting | standby | active | stopping
    job_summaries: Callable[[], list[JobSummary]] = field(default=lambda: [])
    halted: Callable[[], str | None] = field(default=lambda: None)
    """Why market work is halted now (a refused login), or None."""
    # (competition, ballot, reason) of ballots in doubt: named so an operator sees which
    # competition is not bid, and why (the daemon bids everything else meanwhile).
    in_doubt: Callable[[], list[tuple[str, int, str]]] = field(default=lambda: [])
    next_runs: Callable[[], list[tuple[str, datetime | None]]] = field(default=lambda: [])
    """(job, next run) from the scheduler, for the dashboard's overview."""


def evaluate(state: HealthState, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, JSON body) for the current state."""
    now = now or utcnow()
    body: dict[str, Any] = {"role": state.role, "started_at": state.started_at.isoformat()}
    if state.role in ("standby", "starting"):
        return True, {**body, "status": "ok"}
    if state.role == "stopping":
        return False, {**body, "status": "stopping", "reasons": ["shutting down"]}
    try:
        summaries = {s.job: s for s in state.job_summaries()}
    except Exception as exc:
        return False, {**body, "status": "failing", "reasons": [f"database: {exc}"]}
    reasons: list[str] = []
    halted = state.halted()
    if halted:
        reasons.append(f"market work halted: {halted}")
    jobs: dict[str, Any] = {}
    for job, allowed in state.max_age.items():
        summary = summaries.get(job)
        last_success = summary.last_success_at if summary else None
        reference = max(filter(None, [last_success, state.started_at]))
        age = now - reference
        jobs[job] = {
            "last_success": last_success.isoformat() if last_success else None,
            "last_status": summary.last_status.value if summary else None,
            "last_error": summary.last_error if summary else None,
            "allowed_age_seconds": int(allowed.total_seconds()),
        }
        if age > allowed:
            since = f"since {last_success.isoformat()}" if last_success else "ever"
            reasons.append(f"{job}: no successful run {since} (allowed {allowed})")
    body["jobs"] = jobs
    try:
        doubtful = state.in_doubt()
    except Exception as exc:
        doubtful = []
        reasons.append(f"database: {exc}")
    if doubtful:
        body["in_doubt"] = [
            {"competition": competition, "ballot": ballot, "reason": reason}
            for competition, ballot, reason in doubtful
        ]
    if reasons:
        return False, {**body, "status": "failing", "reasons": reasons}
    return True, {**body, "status": "ok"}


class HealthServer:
    """A threaded HTTP server in a daemon thread; `stop()` closes it.

    Without `state` (`biddaemon dashboard`, no daemon in the process) only the pages are served.
    """

    def __init__(
        self,
        host: str,
        port: int,
        state: HealthState | None,
        pages: PageHandler | None = None,
    ) -> None:
        self.state = state
        handler = _make_handler(state, pages)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="health-server", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        if host in ("0.0.0.0", "::"):  # noqa: S104 - we connect, we do not bind
            host = "127.0.0.1"
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health endpoint listening", url=self.url.rstrip("/"))
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _make_handler(
    state: HealthState | None, pages: PageHandler | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/healthz" and state is not None:
                healthy, body = evaluate(state)
                self._send(200 if healthy else 503, "application/json", json.dumps(body).encode())
            elif path == "/metrics" and state is not None:
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(metrics.REGISTRY))
            else:
                self._page("GET")

        def do_POST(self) -> None:
            self._page("POST")

        def _page(self, method: str) -> None:
            if pages is None:
                self._send(404, "application/json", b'{"detail": "not found"}')
                return
            from biddaemon.web.http import WebRequest

            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(413, "text/plain", b"request body too large")
                return
            parts = urlsplit(self.path)
            request = WebRequest(
                method=method,
                path=parts.path or "/",
                query=dict(parse_qsl(parts.query)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            response = pages(request)
            self._send(response.status, response.content_type, response.body, response.headers)

        def _send(
            self,
            status: int,
            content_type: str,
            payload: bytes,
            headers: tuple[tuple[str, str], ...] = (),
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the log

    return Handler
