"""The dashboard as a person sees it: a daemon bidding into the sandbox, its pages in Chromium.

One `biddaemon run` process for the module, against a sandbox on real time whose market holds
the fixture competitions, one of them named with markup (`<script>...`, `<img onerror>`) as a
hostile or careless market could send, and one whose ballot submission hangs (a late ballot),
so that the overview has an UNKNOWN ballot to put first.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from biddaemon.sandbox import SandboxConfig, SandboxServer
from biddaemon.store.models import Ballot, BallotState, Competition, ServicePeriod
from tests.daemon.conftest import wait_until
from tests.daemon.test_processes import environment, finish, start
from tests.web.conftest import console_errors, screenshot

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "sandbox" / "scenarios" / "fixture_market.json"
FIXTURE_NOW = datetime(2027, 1, 5, 10, tzinfo=UTC)
HOSTILE_ID = "z8mpC6x"
HOSTILE_NAME = '<script>alert("pwned")</script> & <b>Dunfermline</b>'
HOSTILE_OPERATOR = "SP <img src=x onerror=alert(1)> Networks"
LATE_ID = "q3RtY7u"


def _shifted(scenario: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The fixture market moved to today (the daemon in its process reads the real clock)."""
    delta = now - FIXTURE_NOW
    days = timedelta(days=delta.days)
    text = json.dumps(scenario)
    out = json.loads(text)
    out.pop("start", None)
    for competition in out["competitions"]:
        for key in ("competition_open", "competition_close", "results_at"):
            if competition.get(key):
                moved = datetime.fromisoformat(competition[key].replace("Z", "+00:00")) + delta
                competition[key] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
        for period in competition["service_periods"]:
            for key in ("start_date", "end_date"):
                moved_day = datetime.fromisoformat(period[key]) + days
                period[key] = moved_day.date().isoformat()
        if competition["id"] == HOSTILE_ID:
            competition["name"] = HOSTILE_NAME
            competition["operator_name"] = HOSTILE_OPERATOR
            competition["area"] = {"places": ["Dunfermline"]}
    return out


@dataclass(frozen=True)
class Running:
    url: str
    database_url: str
    competitions: list[str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("dashboard-daemon")
    url = f"sqlite:///{folder / 'daemon.db'}"
    with SandboxServer(SandboxConfig(speed=1, seed=11)) as market:
        scenario = _shifted(json.loads(FIXTURE.read_text()), datetime.now(UTC))
        admin = httpx.Client(base_url=market.base_url, timeout=10)
        admin.post("/_sandbox/scenario", json={"scenario": scenario}).raise_for_status()
        fault = {
            "kind": "late_ballot",
            "endpoint": "submit_ballot",
            "seconds": 600,
            "then": "error",
            "path_contains": LATE_ID,
        }
        admin.post("/_sandbox/faults", json=fault).raise_for_status()
        port = _free_port()
        log = folder / "run.log"
        env = environment(market, url, BIDDAEMON_HEALTH__PORT=str(port))
        process = start(["run"], env, log)
        engine = create_engine(url)
        try:

            def settled() -> list[str] | None:
                try:
                    with Session(engine) as session:
                        states = dict(
                            session.execute(select(Ballot.competition_id, Ballot.state)).all()
                        )
                        ids = list(session.scalars(select(Competition.id)))
                except Exception:  # the database is still being created
                    return None
                ready = states.get(LATE_ID) is BallotState.UNKNOWN and HOSTILE_ID in states
                return ids if ready else None

            ids = wait_until(settled, 90, what=lambda: log.read_text()[-3000:], interval=0.3)
            yield Running(f"http://127.0.0.1:{port}", url, sorted(ids))
        finally:
            engine.dispose()
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                finish(process)
            admin.close()


PAGES = {
    "overview": "/",
    "competitions": "/competitions",
    "commitments": "/commitments",
    "results": "/results",
}


def _open(browser: WebDriver, url: str) -> None:
    browser.get(url)
    assert console_errors(browser) == [], url


def test_every_page_loads_without_console_errors(
    browser: WebDriver, daemon: Running, screenshots: Path
) -> None:
    for name, path in PAGES.items():
        browser.get(daemon.url + path)
        errors = console_errors(browser)
        assert errors == [], (path, errors)
        assert browser.title.endswith("· biddaemon"), browser.title
        assert screenshot(browser, screenshots, f"dashboard-{name}").stat().st_size > 10_000
    browser.get(f"{daemon.url}/competitions/{HOSTILE_ID}")
    assert console_errors(browser) == []
    screenshot(browser, screenshots, "dashboard-competition")


def test_the_overview_puts_the_unknown_ballot_first_and_shows_the_role(
    browser: WebDriver, daemon: Running
) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, daemon.url + "/")
    assert browser.find_element(By.ID, "role").text == "active"
    first = browser.find_elements(By.CSS_SELECTOR, "#attention .attention-row")[0]
    assert "UNKNOWN" in first.text
    assert LATE_ID in first.text
    tiles = browser.find_element(By.ID, "ballot-states").text
    assert "SUBMITTED" in tiles.upper()
    assert "UNKNOWN" in tiles.upper()
    jobs = browser.find_element(By.ID, "jobs").text
    assert "opportunities" in jobs
    assert "healthy" in jobs
    assert "opportunities" in browser.find_element(By.ID, "next-runs").text


def test_competitions_list_every_competition_and_their_links_open_its_record(
    browser: WebDriver, daemon: Running
) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, daemon.url + "/competitions")
    table = browser.find_element(By.ID, "competitions")
    for competition_id in daemon.competitions:
        assert competition_id in table.text
    assert "unknown" in table.text
    assert "submitted" in table.text
    browser.find_element(By.LINK_TEXT, LATE_ID).click()
    assert browser.current_url.endswith(f"/competitions/{LATE_ID}")
    assert console_errors(browser) == []
    assert browser.find_element(By.ID, "competition-title").text.startswith(LATE_ID)
    assert "Submission attempts" in browser.page_source
    browser.find_element(By.LINK_TEXT, "Commitments").click()
    assert browser.current_url == daemon.url + "/commitments"
    assert browser.find_elements(By.CSS_SELECTOR, "svg.heatmap rect")  # the bids' promises
    # The two Dunfermline competitions share the battery aB12cD3 on weekday evenings: a week
    # inside their service period shows it.
    engine = create_engine(daemon.database_url)
    with Session(engine) as session:
        first = session.scalars(
            select(ServicePeriod.start_date).where(ServicePeriod.competition_id == HOSTILE_ID)
        ).one()
    engine.dispose()
    _open(browser, f"{daemon.url}/commitments?week={first + timedelta(days=7)}")
    shared = browser.find_element(By.ID, "twice-summary").text
    assert "shared by two or more competitions" in shared, shared
    titles = [t.get_attribute("textContent") for t in browser.find_elements(By.TAG_NAME, "title")]
    assert any("aB12cD3" in t and HOSTILE_ID in t and LATE_ID in t for t in titles if t)
    browser.find_element(By.ID, "next-week").click()
    assert "/commitments?week=" in browser.current_url
    assert console_errors(browser) == []
    browser.find_element(By.LINK_TEXT, "Results").click()
    assert browser.current_url == daemon.url + "/results"
    assert console_errors(browser) == []
    browser.find_element(By.LINK_TEXT, "Overview").click()
    assert browser.current_url == daemon.url + "/"


def test_what_the_market_sent_is_shown_as_text_never_run(
    browser: WebDriver, daemon: Running
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    for path in ("/competitions", f"/competitions/{HOSTILE_ID}"):
        _open(browser, daemon.url + path)
        assert HOSTILE_NAME in browser.find_element(By.TAG_NAME, "main").text
        assert browser.find_elements(By.TAG_NAME, "script") == []
        assert browser.find_elements(By.CSS_SELECTOR, "main img, main b") == []
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.accept()
    assert HOSTILE_OPERATOR in browser.find_element(By.TAG_NAME, "main").text


def test_a_competition_page_shows_what_history_prints_for_it(
    browser: WebDriver, daemon: Running
) -> None:
    from selenium.webdriver.common.by import By

    from biddaemon.bidding.explain import render_decision
    from biddaemon.store.history import competition_history

    engine = create_engine(daemon.database_url)
    with Session(engine) as session:
        (record,) = competition_history(session, HOSTILE_ID)
    engine.dispose()
    _open(browser, f"{daemon.url}/competitions/{HOSTILE_ID}")
    text = browser.find_element(By.TAG_NAME, "main").text
    for ballot in record["ballots"]:
        assert f"Ballot {ballot['id']}" in text
        for bid in ballot["bids"]:
            assert bid["service_window_id"] in text
            assert bid["capacity"] in text
        for line in render_decision(ballot["decision"]):
            assert line.strip() in text, line
