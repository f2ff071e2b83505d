"""`BIDDAEMON_INVENTORY__*`: validated with the other settings, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from biddaemon.cli import main
from biddaemon.errors import ConfigurationError
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.connect import check_configuration, enabled_platforms
from biddaemon.settings import load_settings


def test_defaults_are_the_documented_base_urls_and_nothing_is_enabled():
    inventory = load_settings().inventory
    assert inventory.localflex.base_url == "https://api.localflex.co.uk"
    assert inventory.flatpeak.base_url == "https://api.flatpeak.com"
    assert inventory.tensor.base_url == "https://api.tensorenergy.jp/v1"
    assert inventory.sources == []
    assert inventory.allow_approval_reset is False
    assert inventory.sync_interval_seconds == 86400
    assert not inventory.configured
    assert enabled_platforms(load_settings()) == frozenset()


def test_environment_variables_reach_the_nested_settings(monkeypatch):
    monkeypatch.setenv("BIDDAEMON_INVENTORY__PATH", "/etc/biddaemon/fleet.yaml")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__SOURCES", "tensor, flatpeak")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__LOCALFLEX__ENABLED", "true")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN", "lf-secret-token")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__PICLO__ENABLED", "1")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__ALLOW_APPROVAL_RESET", "yes")
    settings = load_settings()
    inventory = settings.inventory
    assert inventory.path == Path("/etc/biddaemon/fleet.yaml")
    assert inventory.sources == ["tensor", "flatpeak"]
    assert inventory.localflex.token.get_secret_value() == "lf-secret-token"
    assert inventory.allow_approval_reset is True
    assert enabled_platforms(settings) == {Platform.LOCALFLEX, Platform.PICLO}
    assert "lf-secret-token" in settings.secret_values()


def test_sources_also_take_a_json_array(monkeypatch):
    monkeypatch.setenv("BIDDAEMON_INVENTORY__SOURCES", '["flatpeak"]')
    assert load_settings().inventory.sources == ["flatpeak"]


BAD_VALUES = [
    ("BIDDAEMON_INVENTORY__SOURCES", "tensor,salesforce", "'tensor' or 'flatpeak'"),
    ("BIDDAEMON_INVENTORY__SOURCES", "tensor,tensor", "a source is listed twice"),
    ("BIDDAEMON_INVENTORY__SYNC_INTERVAL_SECONDS", "60", "greater than or equal to 300"),
    ("BIDDAEMON_INVENTORY__ALLOW_APPROVAL_RESET", "maybe", "boolean"),
    ("BIDDAEMON_INVENTORY__LOCALFLEX__BASE_URL", "http://api.localflex.co.uk", "loopback"),
    ("BIDDAEMON_INVENTORY__FLATPEAK__BASE_URL", "ftp://api.flatpeak.com", "absolute http(s)"),
    ("BIDDAEMON_INVENTORY__TENSOR__BASE_URL", "http://10.0.0.5/v1", "loopback"),
    ("BIDDAEMON_INVENTORY__TENSOR__MAX_ATTEMPTS", "0", "greater than or equal to 1"),
    ("BIDDAEMON_INVENTORY__FLATPEAK__TIMEOUT_SECONDS", "-1", "greater than 0"),
]


@pytest.mark.parametrize(("variable", "value", "expected"), BAD_VALUES)
def test_each_bad_value_is_named_and_exits_2(monkeypatch, capsys, variable, value, expected):
    monkeypatch.setenv(variable, value)
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert f"{variable}:" in err
    assert expected in err


def test_a_loopback_http_url_is_allowed_for_simulators(monkeypatch):
    monkeypatch.setenv("BIDDAEMON_INVENTORY__LOCALFLEX__BASE_URL", "http://127.0.0.1:8080/")
    assert load_settings().inventory.localflex.base_url == "http://127.0.0.1:8080"


def test_secrets_are_redacted_by_the_config_command(monkeypatch, capsys):
    monkeypatch.setenv("BIDDAEMON_INVENTORY__FLATPEAK__API_KEY", "sk_live_do_not_print")
    monkeypatch.setenv("BIDDAEMON_INVENTORY__TENSOR__API_KEY", "tensor-do-not-print")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "BIDDAEMON_INVENTORY__FLATPEAK__API_KEY=**********" in out
    assert "do_not_print" not in out
    assert "do-not-print" not in out
    assert "sk_live" not in repr(load_settings().inventory)


def test_every_missing_credential_of_the_enabled_platforms_is_named_at_once():
    settings = load_settings(
        inventory={
            "path": "fleet.yaml",
            "sources": ["tensor"],
            "piclo": {"enabled": True},
            "localflex": {"enabled": True},
            "flatpeak": {"enabled": True, "account_id": "acc_1"},
        }
    )
    with pytest.raises(ConfigurationError) as raised:
        check_configuration(settings)
    assert set(raised.value.problems) == {
        "BIDDAEMON_PICLO__CLIENT_ID",
        "BIDDAEMON_PICLO__API_KEY",
        "BIDDAEMON_PICLO__PROVIDER_ID",
        "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN",
        "BIDDAEMON_INVENTORY__FLATPEAK__API_KEY",
        "BIDDAEMON_INVENTORY__TENSOR__API_KEY",
    }


def test_an_inventory_job_with_nothing_to_sync_says_which_setting_is_missing():
    with pytest.raises(ConfigurationError) as raised:
        check_configuration(load_settings())
    assert list(raised.value.problems) == ["BIDDAEMON_INVENTORY__PATH"]
