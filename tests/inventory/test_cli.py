"""`biddaemon assets plan|apply` as a user runs them: environment variables, real HTTP."""

from __future__ import annotations

import io
import sys

import pytest

from biddaemon.cli import main
from biddaemon.inventory.platforms.localflex.mapping import asset_mrid
from biddaemon.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PROVIDER_ID
from tests.inventory.conftest import INVENTORY


@pytest.fixture
def environment(
    monkeypatch,
    tmp_path,
    database_file,
    piclo,
    localflex,
    flatpeak,
    localflex_server,
    flatpeak_server,
    inventory_file,
):
    """The variables an operator would set, pointing at the loopback platforms."""
    values = {
        "BIDDAEMON_DATABASE_URL": f"sqlite:///{database_file}",
        "BIDDAEMON_LOG_LEVEL": "WARNING",
        "BIDDAEMON_PICLO__BASE_URL": piclo.base_url,
        "BIDDAEMON_PICLO__CLIENT_ID": DEFAULT_CLIENT_ID,
        "BIDDAEMON_PICLO__API_KEY": DEFAULT_API_KEY,
        "BIDDAEMON_PICLO__PROVIDER_ID": DEFAULT_PROVIDER_ID,
        "BIDDAEMON_INVENTORY__PATH": str(inventory_file(INVENTORY)),
        "BIDDAEMON_INVENTORY__PICLO__ENABLED": "true",
        "BIDDAEMON_INVENTORY__LOCALFLEX__ENABLED": "true",
        "BIDDAEMON_INVENTORY__LOCALFLEX__BASE_URL": localflex_server.url,
        "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN": localflex.token,
        "BIDDAEMON_INVENTORY__FLATPEAK__ENABLED": "true",
        "BIDDAEMON_INVENTORY__FLATPEAK__BASE_URL": flatpeak_server.url,
        "BIDDAEMON_INVENTORY__FLATPEAK__ACCOUNT_ID": flatpeak.account_id,
        "BIDDAEMON_INVENTORY__FLATPEAK__API_KEY": flatpeak.api_key,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def answer(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_plan_prints_every_platform_and_writes_nothing(environment, capsys, localflex, flatpeak):
    assert main(["assets", "plan"]) == 0
    out = capsys.readouterr().out
    assert "piclo\n  + bess-dunfermline-1: create flex asset" in out
    assert "      active_export_capacity: 2.000 MW" in out
    assert "localflex\n  + fife-storage: create portfolio" in out
    assert "      rampRateUp: 500 kW/min" in out
    assert "      properties.power_rating_export_kwh: 2000 kW" in out
    assert "Plan: 6 to create, 0 to update, 0 unchanged, 0 unsupported" in out
    assert localflex.faults.writes() == flatpeak.faults.writes() == []


def test_apply_asks_first_and_a_no_writes_nothing(
    environment, capsys, monkeypatch, localflex, flatpeak
):
    answer(monkeypatch, "n\n")
    assert main(["assets", "apply"]) == 0
    out = capsys.readouterr().out
    assert "Apply 6 change(s)?" in out
    assert out.rstrip().endswith("Nothing applied.")
    assert localflex.faults.writes() == flatpeak.faults.writes() == []


def test_apply_yes_then_again_finds_nothing_to_apply(environment, capsys, localflex, flatpeak):
    assert main(["assets", "apply", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Applied: 6 written, 0 held, 0 failed, 0 not attempted" in out
    assert "Apply 6 change(s)?" not in out
    localflex.faults.forget_calls()
    flatpeak.faults.forget_calls()

    assert main(["assets", "apply", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Plan: 0 to create, 0 to update, 6 unchanged, 0 unsupported" in out
    assert "Nothing to apply." in out
    assert localflex.faults.writes() == flatpeak.faults.writes() == []


def test_apply_names_the_approval_reset_in_its_question_and_sends_it_when_confirmed(
    environment, capsys, monkeypatch, inventory_file, localflex
):
    assert main(["assets", "apply", "--yes"]) == 0
    localflex.approve(asset_mrid("bess-dunfermline-1"))
    inventory_file(INVENTORY.replace('import_mw: "2.000"', 'import_mw: "1.500"'))
    capsys.readouterr()
    answer(monkeypatch, "y\n")

    assert main(["assets", "apply"]) == 0

    out = capsys.readouterr().out
    assert "Apply 3 change(s), 1 of them resetting a LocalFlex approval?" in out
    assert "flexibleCapacityDown: 2 MW -> 1.500 MW  [resets approval]" in out
    assert localflex.approvals(asset_mrid("bess-dunfermline-1")) == (False, False)


def test_a_bad_inventory_file_exits_2_naming_every_mistake(
    environment, capsys, inventory_file, localflex
):
    inventory_file(
        "assets:\n"
        "  - ref: a\n    name: A\n    technology: battery\n    status: working\n"
        "  - ref: b\n    name: B\n    technology: battery\n    status: operational\n"
        "    export_mw: lots\n    colour: blue\n"
    )

    assert main(["assets", "plan"]) == 2

    err = capsys.readouterr().err
    assert "has 3 problems; nothing was planned or written" in err
    assert "assets[0] (a) status: Input should be 'operational'" in err
    assert "assets[1] (b) export_mw: Input should be a valid decimal" in err
    assert "assets[1] (b) colour: unknown field (a typo?)" in err
    assert localflex.faults.calls == []


def test_missing_credentials_are_named_together_and_exit_2(environment, capsys, monkeypatch):
    monkeypatch.delenv("BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN")
    monkeypatch.delenv("BIDDAEMON_INVENTORY__FLATPEAK__API_KEY")

    assert main(["assets", "plan"]) == 2

    err = capsys.readouterr().err
    assert "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN: required by LocalFlex" in err
    assert "BIDDAEMON_INVENTORY__FLATPEAK__API_KEY: required to talk to Flatpeak" in err


def test_an_unreadable_platform_makes_plan_exit_1(environment, capsys, localflex):
    localflex.token = "rotated"

    assert main(["assets", "plan"]) == 1

    out = capsys.readouterr().out
    assert "? fife-storage: could not read localflex (nothing more was read from it)" in out
    assert "LocalFlex refused the token (401" in out


def test_apply_retires_a_removed_asset_only_with_prune(
    environment, capsys, inventory_file, piclo, localflex, flatpeak
):
    assert main(["assets", "apply", "--yes"]) == 0
    inventory_file(
        "assets:\n  - ref: pv-kirkcaldy-2" + INVENTORY.split("  - ref: pv-kirkcaldy-2")[1]
    )
    capsys.readouterr()

    assert main(["assets", "apply", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "  - bess-dunfermline-1: remove flex asset" in out
    assert "Removed assets are left on their platforms (--prune retires them)." in out
    assert len(flatpeak.devices()) == 1

    assert main(["assets", "apply", "--yes", "--prune"]) == 0
    out = capsys.readouterr().out
    assert "  piclo bess-dunfermline-1: retired flex asset" in out
    assert "  flatpeak bess-dunfermline-1: retired device" in out
    assert "2 retired" in out
    assert flatpeak.devices() == []
    assert piclo.market.flex_assets("bess-dunfermline-1")[0].status == "archived"
