"""Routes a request to a page, guarded by the token, rendered with autoescaped Jinja2.

Pages: `/` (overview), `/competitions` (+ `/competitions/<id>`), `/commitments?week=...`,
`/results`; `/login` (the form that sets the cookie) and `/static/...` need no token. Every
response carries a Content-Security-Policy that allows no script at all: the pages have none,
so a value the market sent that slipped through escaping still could not run.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session, sessionmaker

from biddaemon import __version__
from biddaemon.clock import utcnow
from biddaemon.logs import get_logger
from biddaemon.settings import Settings
from biddaemon.web import views
from biddaemon.web.auth import Guard, safe_next
from biddaemon.web.http import LiveFacts, WebRequest, WebResponse

log = get_logger(__name__)

HTML = "text/html; charset=utf-8"
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
STATIC = {
    "dashboard.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/competitions", "Competitions"),
    ("/commitments", "Commitments"),
    ("/results", "Results"),
)


class Dashboard:
    """The page handler: `dashboard(request) -> response`, safe to call from many threads."""

    def __init__(
        self, settings: Settings, factory: sessionmaker[Session], live: LiveFacts | None = None
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.live = live or LiveFacts()
        self.guard = Guard(settings.health.dashboard_token)
        self.env = Environment(
            loader=PackageLoader("biddaemon.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = _when
        self.env.filters["url_id"] = lambda value: quote(str(value), safe="")
        self.env.globals.update(nav=NAV, version=__version__)

    def __call__(self, request: WebRequest) -> WebResponse:
        path = request.path
        if path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        if path == "/login":
            return self._login(request)
        if request.method not in ("GET", "HEAD"):
            return self._page(405, "error.html", {"message": "method not allowed"}, path)
        if not self.guard.allows(request.headers):
            return self._login_form(request, status=401)
        try:
            return self._route(request)
        except Exception as exc:  # a broken database must show as a page, not a reset socket
            log.exception("dashboard page failed", path=path)
            message = f"this page could not be read from the database ({type(exc).__name__})"
            return self._page(500, "error.html", {"message": message}, path)

    def _route(self, request: WebRequest) -> WebResponse:
        path, query = request.path, request.query
        started = time.perf_counter()
        with self.factory() as session:
            dry = views.banner(session, self.settings)
            now = utcnow()
            common = {"dry_run": dry, "now": now, "read_only": self.live.next_runs is None}
            if path == "/":
                context = views.overview(session, self.settings, self.live, now)
                template = "overview.html"
            elif path == "/competitions":
                context = views.competitions(session, _int(query.get("page"), 1))
                template = "competitions.html"
            elif path.startswith("/competitions/"):
                competition_id = unquote(path.removeprefix("/competitions/"))
                found = views.competition(session, competition_id)
                if found is None:
                    message = f"no competition {competition_id!r} is recorded"
                    return self._page(404, "error.html", {**common, "message": message}, path)
                context, template = found, "competition.html"
            elif path == "/commitments":
                week = _date(query.get("week"))
                context = views.commitments(session, week, now)
                template = "commitments.html"
            elif path == "/results":
                context = views.results(session)
                template = "results.html"
            else:
                return self._page(404, "error.html", {**common, "message": "no such page"}, path)
        response = self._page(200, template, {**common, **context}, path)
        log.debug("dashboard page", path=path, ms=round((time.perf_counter() - started) * 1000))
        return response

    def _page(
        self,
        status: int,
        template: str,
        context: dict[str, Any],
        path: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> WebResponse:
        context.setdefault("dry_run", self.settings.dry_run)
        context.setdefault("now", utcnow())
        context.setdefault("read_only", self.live.next_runs is None)
        html = self.env.get_template(template).render(**context, current=path)
        return WebResponse(status, HTML, html.encode(), (*SECURITY_HEADERS, *headers))

    def _login(self, request: WebRequest) -> WebResponse:
        if request.method == "POST":
            target = safe_next(request.query.get("next"))
            if self.guard.login(request.body):
                headers: tuple[tuple[str, str], ...] = (("Location", target),)
                if self.guard.required:
                    headers += (("Set-Cookie", self.guard.set_cookie()),)
                return WebResponse(303, HTML, b"", (*SECURITY_HEADERS, *headers))
            return self._login_form(request, status=401, refused=True)
        return self._login_form(request, status=200)

    def _login_form(
        self, request: WebRequest, *, status: int, refused: bool = False
    ) -> WebResponse:
        target = safe_next(request.query.get("next") or request.path)
        context = {"action": "/login?" + urlencode({"next": target}), "refused": refused}
        headers = (("WWW-Authenticate", 'Bearer realm="biddaemon dashboard"'),)
        return self._page(status, "login.html", context, "/login", headers if status == 401 else ())

    def _static(self, name: str) -> WebResponse:
        if name not in STATIC:
            return WebResponse(404, "text/plain", b"not found", SECURITY_HEADERS)
        body = resources.files("biddaemon.web").joinpath("static", name).read_bytes()
        cached = (("Cache-Control", "max-age=3600"),)
        return WebResponse(200, STATIC[name], body, (*SECURITY_HEADERS[:-1], *cached))


def _when(value: Any) -> str:
    """A datetime as `2027-01-05 10:00 UTC`; anything else as it is, or `-`."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
