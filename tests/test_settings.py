"""Every setting is validated, and every problem is named in one message with exit code 2."""

from __future__ import annotations

from datetime import time

import pytest

from biddaemon.cli import main
from biddaemon.errors import ConfigurationError
from biddaemon.settings import load_settings

BAD_VALUES = [
    ("BIDDAEMON_DATABASE_URL", "mysql://nope", "sqlite:/// or postgresql"),
    ("BIDDAEMON_DRY_RUN", "perhaps", "boolean"),
    ("BIDDAEMON_AUTO_MIGRATE", "sometimes", "boolean"),
    ("BIDDAEMON_LOG_FORMAT", "xml", "'auto', 'json' or 'console'"),
    ("BIDDAEMON_LOG_LEVEL", "LOUD", "'DEBUG'"),
    ("BIDDAEMON_SAFETY_MARGIN_MINUTES", "-1", "greater than or equal to 0"),
    ("BIDDAEMON_PICLO__BASE_URL", "http://api.picloflex.com", "only allowed for a loopback host"),
    ("BIDDAEMON_PICLO__BASE_URL", "ftp://example.com", "absolute http(s) URL"),
    ("BIDDAEMON_PICLO__TIMEOUT_SECONDS", "0", "greater than 0"),
    ("BIDDAEMON_PICLO__CONNECT_TIMEOUT_SECONDS", "abc", "valid number"),
    ("BIDDAEMON_PICLO__MAX_CONCURRENT_READS", "0", "greater than or equal to 1"),
    ("BIDDAEMON_PICLO__MAX_ATTEMPTS", "100", "less than or equal to 20"),
    ("BIDDAEMON_PICLO__MAX_RETRY_SECONDS", "-5", "greater than 0"),
    ("BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS", "600", "under one hour"),
    ("BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS", "soon", "valid integer"),
    ("BIDDAEMON_POLL__RESULTS_TIME_UTC", "25:00", "time"),
    ("BIDDAEMON_HEALTH__PORT", "70000", "less than or equal to 65535"),
]


@pytest.mark.parametrize(("variable", "value", "expected"), BAD_VALUES)
def test_each_bad_value_is_named_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert f"{variable}:" in err
    assert expected in err


def test_all_problems_are_reported_in_one_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BIDDAEMON_LOG_LEVEL", "LOUD")
    monkeypatch.setenv("BIDDAEMON_PICLO__BASE_URL", "http://market.example.com")
    monkeypatch.setenv("BIDDAEMON_HEALTH__PORT", "-1")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "3 settings are invalid or missing" in err
    for variable in ("BIDDAEMON_LOG_LEVEL", "BIDDAEMON_PICLO__BASE_URL", "BIDDAEMON_HEALTH__PORT"):
        assert variable in err


def test_missing_market_credentials_are_named_together() -> None:
    settings = load_settings()
    with pytest.raises(ConfigurationError) as raised:
        settings.require_market_credentials()
    assert set(raised.value.problems) == {
        "BIDDAEMON_PICLO__CLIENT_ID",
        "BIDDAEMON_PICLO__API_KEY",
        "BIDDAEMON_PICLO__PROVIDER_ID",
    }


def test_defaults_are_the_documented_ones(tmp_path) -> None:
    settings = load_settings()
    assert settings.piclo.base_url == "https://api.picloflex.com"
    assert settings.poll.opportunities_interval_seconds == 3600
    assert settings.poll.results_time_utc == time(19, 30)
    assert settings.safety_margin_minutes == 15
    assert settings.health.host == "127.0.0.1"
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'biddaemon.db'}"


def test_dry_run_uses_its_own_default_database(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("BIDDAEMON_DRY_RUN", "true")
    assert (
        load_settings().effective_database_url == f"sqlite:///{tmp_path / 'biddaemon-dry-run.db'}"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_plain_http_and_fast_polling_are_allowed_against_loopback(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.setenv("BIDDAEMON_PICLO__BASE_URL", f"http://{host}:8765/")
    monkeypatch.setenv("BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS", "5")
    settings = load_settings()
    assert settings.piclo.base_url == f"http://{host}:8765"
    assert settings.poll.opportunities_interval_seconds == 5


def test_hourly_polling_against_the_real_market_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS", "3600")
    assert load_settings().poll.opportunities_interval_seconds == 3600
    monkeypatch.setenv("BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS", "3599")
    with pytest.raises(ConfigurationError, match="BIDDAEMON_POLL__OPPORTUNITIES_INTERVAL_SECONDS"):
        load_settings()


def test_settings_are_read_from_a_dot_env_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BIDDAEMON_PICLO__CLIENT_ID=from-dotenv\nBIDDAEMON_DRY_RUN=1\n")
    settings = load_settings()
    assert settings.piclo.client_id == "from-dotenv"
    assert settings.dry_run is True
