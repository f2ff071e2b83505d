"""A planted API key and bearer token never reach any command's output or any log line."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from biddaemon.cli import main
from biddaemon.logs import REDACTED, configure_logging, get_logger

API_KEY = "pk_live_planted_api_key_7f3a9c"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmVkLXBsYW50ZWQ"
DB_PASSWORD = "planted-db-password"

COMMANDS = [
    ["--help"],
    ["--version"],
    ["config"],
    ["db", "upgrade"],
    ["db", "current"],
    ["status"],
    ["db", "downgrade", "base"],
]


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDDAEMON_PICLO__CLIENT_ID", "machine-user")
    monkeypatch.setenv("BIDDAEMON_PICLO__API_KEY", API_KEY)
    monkeypatch.setenv("BIDDAEMON_PICLO__PROVIDER_ID", "prov-1")
    monkeypatch.setenv("BIDDAEMON_LOG_LEVEL", "DEBUG")


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_no_command_prints_the_api_key(
    planted: None, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    if argv in (["db", "current"], ["status"], ["db", "downgrade", "base"]):
        # Read-only commands refuse a database that does not exist: create it first.
        assert main(["db", "upgrade"]) == 0
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert API_KEY not in out + err


def test_config_shows_that_a_key_is_set_without_showing_it(
    planted: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert f"BIDDAEMON_PICLO__API_KEY={REDACTED}" in out
    assert "BIDDAEMON_PICLO__CLIENT_ID=machine-user" in out


def test_a_database_password_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "BIDDAEMON_DATABASE_URL", f"postgresql+psycopg://bd:{DB_PASSWORD}@127.0.0.1:1/none"
    )
    main(["config"])
    main(["status"])
    out, err = capsys.readouterr()
    assert DB_PASSWORD not in out + err
    assert "cannot reach the database" in err


def _capture_json_logs(secrets: list[str]) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", secrets=secrets, stream=stream)
    return stream


def test_structlog_events_are_redacted_by_value_and_by_key() -> None:
    stream = _capture_json_logs([API_KEY])
    log = get_logger("test")
    log.info(
        "calling market",
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        token=TOKEN,
        api_key=API_KEY,
        body={"client_id": "machine-user", "api_key": API_KEY},
        note=f"key was {API_KEY} and token {TOKEN}",
    )
    text = stream.getvalue()
    assert API_KEY not in text
    assert TOKEN not in text
    event = json.loads(text.splitlines()[-1])
    assert event["headers"]["Accept"] == "application/json"
    assert event["headers"]["Authorization"] == REDACTED
    assert event["body"]["client_id"] == "machine-user"


def test_standard_library_loggers_go_through_the_same_redaction() -> None:
    stream = _capture_json_logs([API_KEY])
    logging.getLogger("apscheduler.scheduler").warning(
        "job failed: Authorization: Bearer %s key=%s", TOKEN, API_KEY
    )
    text = stream.getvalue()
    assert TOKEN not in text
    assert API_KEY not in text
    assert json.loads(text.splitlines()[-1])["logger"] == "apscheduler.scheduler"


def test_exception_tracebacks_are_redacted() -> None:
    stream = _capture_json_logs([API_KEY])
    try:
        raise RuntimeError(f"boom with {API_KEY} and Bearer {TOKEN}")
    except RuntimeError:
        get_logger("test").exception("failed")
        logging.getLogger("sqlalchemy.engine").exception("failed too")
    text = stream.getvalue()
    assert "boom with" in text
    assert API_KEY not in text
    assert TOKEN not in text


def test_httpx_request_lines_are_silenced() -> None:
    stream = _capture_json_logs([])
    logging.getLogger("httpx").info('HTTP Request: GET https://api.picloflex.com/x "200 OK"')
    assert "HTTP Request" not in stream.getvalue()


def test_console_format_is_redacted_too() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", secrets=[API_KEY], stream=stream)
    structlog.get_logger("test").info("login", api_key=API_KEY, detail=f"Bearer {TOKEN}")
    assert API_KEY not in stream.getvalue()
    assert TOKEN not in stream.getvalue()
    assert "login" in stream.getvalue()
