"""Who may see the pages, what refuses to start, and what the dashboard never does (no browser).

Real HTTP on loopback against a real SQLite database: the health server with the daemon's
state and the dashboard handler, as `biddaemon run` wires them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from biddaemon.cli import main
from biddaemon.cli.dashboard_cmd import DEFAULT_PORT
from biddaemon.clock import utcnow
from biddaemon.daemon.health import HealthServer, HealthState
from biddaemon.settings import load_settings
from biddaemon.store import migrate
from biddaemon.store.dashboard_queries import HeldSlot
from biddaemon.store.database import make_engine, session_factory
from biddaemon.store.schema_version import current_revision
from biddaemon.web.auth import COOKIE, safe_next
from biddaemon.web.http import LiveFacts
from biddaemon.web.lazy import lazy_dashboard
from biddaemon.web.serve import DEFAULT_DASHBOARD_PORT
from biddaemon.web.views import _hours
from tests.daemon.conftest import market_env
from tests.test_startup_imports import loaded_after

TOKEN = "a-long-enough-dashboard-token"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def guarded(engine: Engine, sqlite_url: str) -> Iterator[str]:
    """The health server on every address, with a token: what a container would run."""
    settings = load_settings(
        database_url=sqlite_url,
        health={"host": "0.0.0.0", "dashboard_token": SecretStr(TOKEN)},
    )
    state = HealthState(started_at=utcnow(), max_age={}, role="active")
    pages = lazy_dashboard(settings, session_factory(engine), LiveFacts(role=lambda: state.role))
    server = HealthServer("0.0.0.0", 0, state, pages).start()
    try:
        yield f"http://127.0.0.1:{server.address[1]}"
    finally:
        server.stop()


def test_pages_refuse_a_request_without_the_token_while_probes_answer(guarded: str) -> None:
    with httpx.Client(base_url=guarded, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        for path in ("/", "/competitions", "/commitments", "/results", "/competitions/x"):
            refused = client.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert 'name="token"' in refused.text  # the login form, nothing of the page
        wrong = client.get("/", headers={"Authorization": "Bearer not-the-token-at-all"})
        assert wrong.status_code == 401
        assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_login_form_sets_a_cookie_that_opens_the_pages(guarded: str) -> None:
    with httpx.Client(base_url=guarded, timeout=10) as client:
        refused = client.post("/login?next=/results", data={"token": "wrong-wrong-wrong"})
        assert refused.status_code == 401
        assert COOKIE not in client.cookies
        login = client.post("/login?next=/results", data={"token": TOKEN})
        assert login.status_code == 303
        assert login.headers["location"] == "/results"
        assert "HttpOnly" in login.headers["set-cookie"]
        assert TOKEN not in login.headers["set-cookie"]  # an HMAC of it, never the token
        page = client.get("/results")
        assert page.status_code == 200
        assert "Acceptance rate by operator" in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_login_sends_nobody_to_another_site() -> None:
    assert safe_next("//evil.example/") == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil.example") == "/"
    assert safe_next("/competitions?page=2") == "/competitions?page=2"


def test_a_non_loopback_bind_without_a_token_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    for name, value in market_env("http://127.0.0.1:9").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BIDDAEMON_HEALTH__HOST", "0.0.0.0")
    assert main(["run"]) == 2
    error = capsys.readouterr().err
    assert "BIDDAEMON_HEALTH__DASHBOARD_TOKEN" in error
    assert "not loopback" in error
    assert "Traceback" not in error
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # refused before anything


def test_the_dashboard_command_refuses_a_public_address_without_a_token(
    engine: Engine,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    assert main(["dashboard", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "BIDDAEMON_HEALTH__DASHBOARD_TOKEN" in capsys.readouterr().err


def test_the_dashboard_command_never_creates_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", f"sqlite:///{missing}")
    assert main(["dashboard", "--port", "0"]) == 2
    assert "there is no database" in capsys.readouterr().err
    assert not missing.exists()


def test_the_dashboard_command_never_migrates_a_database(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = make_engine(sqlite_url)
    migrate.upgrade(old, "0001")
    monkeypatch.setenv("BIDDAEMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BIDDAEMON_AUTO_MIGRATE", "true")
    assert main(["dashboard", "--port", "0"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert current_revision(old) == "0001"
    old.dispose()


def test_a_short_token_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDDAEMON_HEALTH__DASHBOARD_TOKEN", "short")
    with pytest.raises(Exception, match="BIDDAEMON_HEALTH__DASHBOARD_TOKEN"):
        load_settings()


def test_run_imports_no_template_engine_until_a_page_is_asked_for() -> None:
    statement = (
        "import biddaemon.cli.run_cmd\n"
        "from biddaemon.logs import without_rich\n"
        "with without_rich():\n"
        "    import biddaemon.daemon.runner"
    )
    assert loaded_after(statement, ("jinja2", "biddaemon.web.pages", "biddaemon.web.views")) == []


def test_the_command_default_port_is_the_servers() -> None:
    assert DEFAULT_PORT == DEFAULT_DASHBOARD_PORT


def _slot(start: time, end: time, days: set[str], first: date, after: date) -> HeldSlot:
    return HeldSlot(
        "flex", "a1", "c1", 1, False, Decimal("1.000"), first, after, start, end, frozenset(days)
    )


def test_a_window_past_midnight_runs_into_the_next_day_of_the_week() -> None:
    week = date(2027, 1, 4)  # a Monday
    late = _slot(time(22), time(1, 30), {"sun"}, date(2027, 1, 1), date(2027, 2, 1))
    # Sunday 22:00 to Monday 01:30: the week's last two hours, and Monday's first two (the
    # Sunday before this week runs into this Monday).
    assert _hours(late, week) == {166, 167, 0, 1}
    morning = _slot(time(7), time(9, 30), {"mon"}, date(2027, 1, 4), date(2027, 1, 5))
    assert _hours(morning, week) == {7, 8, 9}
    ended = _slot(time(7), time(9), {"mon"}, date(2026, 12, 1), date(2027, 1, 4))
    assert _hours(ended, week) == set()


def _competition(engine: Engine, name: str) -> None:
    from biddaemon.store.models import Competition

    now = utcnow()
    with session_factory(engine).begin() as session:
        session.add(
            Competition(
                id="c<1>",
                name=name,
                operator_name="O'Brien & <Sons>",
                type="availability",
                need_direction="deficit",
                status="open",
                competition_close=now,
                raw={},
                first_observed_at=now,
                observed_at=now,
            )
        )


def test_markup_from_the_market_is_escaped_in_every_page_that_shows_it(
    engine: Engine, sqlite_url: str
) -> None:
    from biddaemon.web.http import WebRequest
    from biddaemon.web.pages import Dashboard

    _competition(engine, "<script>alert(1)</script>")
    dashboard = Dashboard(load_settings(database_url=sqlite_url), session_factory(engine))
    for path in ("/competitions", "/competitions/c%3C1%3E"):
        page = dashboard(WebRequest("GET", path, {}, {}))
        assert page.status == 200, path
        html = page.body.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script" not in html
        assert "O&#39;Brien &amp; &lt;Sons&gt;" in html
    assert (
        'href="/competitions/c%3C1%3E"'
        in dashboard(WebRequest("GET", "/competitions", {}, {})).body.decode()
    )


def test_a_dry_run_is_bannered_on_every_page(engine: Engine, sqlite_url: str) -> None:
    from biddaemon.web.http import WebRequest
    from biddaemon.web.pages import Dashboard

    dashboard = Dashboard(
        load_settings(database_url=sqlite_url, dry_run=True), session_factory(engine)
    )
    for path in ("/", "/competitions", "/commitments", "/results"):
        page = dashboard(WebRequest("GET", path, {}, {}))
        assert page.status == 200
        assert 'id="dry-run-banner"' in page.body.decode(), path
    plain = Dashboard(load_settings(database_url=sqlite_url), session_factory(engine))
    assert "dry-run-banner" not in plain(WebRequest("GET", "/", {}, {})).body.decode()
