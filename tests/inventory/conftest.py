"""Fixtures for the inventory tests: every platform on loopback, settings pointing at them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from biddaemon.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PROVIDER_ID
from biddaemon.sandbox.server import SandboxServer
from biddaemon.settings import Settings, load_settings
from tests.inventory import support
from tests.inventory.support import Served

# The shared fixtures (simulators on loopback, a migrated database), made visible here.
_no_backoff_sleep = support._no_backoff_sleep
_migrated_template = support._migrated_template
database_file = support.database_file
factory = support.factory
sandbox_server = support.sandbox_server
sandbox = support.sandbox
localflex_server = support.localflex_server
flatpeak_server = support.flatpeak_server
tensor_server = support.tensor_server
localflex = support.localflex
flatpeak = support.flatpeak
tensor = support.tensor

# Two batteries, a solar farm and a planned battery, and one LocalFlex portfolio.
INVENTORY = """\
assets:
  - ref: bess-dunfermline-1
    name: Dunfermline BESS 1
    technology: battery
    status: operational
    postcode: KY11 8UH
    voltage_kv: "11.00"
    export_mw: "2.000"
    import_mw: "2.000"
    energy_mwh: "4.000"
    response_time: PT15M
    max_runtime: PT2H
    ramp_up_mw_per_min: "0.5"
    platforms: [piclo, localflex, flatpeak]
    localflex:
      market_products: [active_power_30m]
      grid_node_mrid: 271353f4-3e26-11e8-a2d3-5254004794ba
    flatpeak:
      location_ids: [loc_641b90b758fb8e6293716e40]
      manufacturer: Nova Systems
  - ref: pv-kirkcaldy-2
    name: Kirkcaldy Solar 2
    technology: solar_pv
    status: operational
    latitude: 56.1165
    longitude: -3.1586
    voltage_kv: 33
    export_mw: 5.5
    platforms: [piclo]
  - ref: bess-rosyth-planned
    name: Rosyth BESS (planned)
    technology: battery
    status: planned
    voltage_kv: "11.00"
    export_mw: "1.000"
    platforms: [piclo]
    piclo:
      competition_reference: SPEN-2027-FIFE
      operator_name: SP Energy Networks
localflex:
  portfolios:
    - ref: fife-storage
      name: Fife storage
      market_products: [active_power_30m]
      auto_assign_asset: true
      asset_types: [Storage]
"""


@pytest.fixture
def piclo(sandbox: SandboxServer) -> SandboxServer:
    """The Piclo sandbox, reset to its seeded market and with an empty traffic log (the same
    server as the stand-ins, reset with them)."""
    return sandbox


@pytest.fixture
def inventory_file(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str = INVENTORY) -> Path:
        path = tmp_path / "inventory.yaml"
        path.write_text(text)
        return path

    return write


@pytest.fixture
def make_settings(
    tmp_path: Path,
    database_file: Path,
    piclo: SandboxServer,
    localflex: Any,
    flatpeak: Any,
    tensor: Any,
    localflex_server: Served,
    flatpeak_server: Served,
    tensor_server: Served,
    inventory_file: Callable[[str], Path],
) -> Callable[..., Settings]:
    """Settings with every platform enabled and pointing at its simulator (or the sandbox)."""

    def make(text: str = INVENTORY, *, sources: tuple[str, ...] = (), **inventory: Any) -> Settings:
        path = inventory_file(text)
        platform = {"max_attempts": 2, "max_retry_seconds": 30}
        return load_settings(
            database_url=f"sqlite:///{database_file}",
            piclo={
                "base_url": piclo.base_url,
                "client_id": DEFAULT_CLIENT_ID,
                "api_key": DEFAULT_API_KEY,
                "provider_id": DEFAULT_PROVIDER_ID,
                "max_attempts": 2,
            },
            inventory={
                "path": str(path),
                "sources": list(sources),
                "piclo": {"enabled": True},
                "localflex": {
                    "enabled": True,
                    "base_url": localflex_server.url,
                    "token": localflex.token,
                    **platform,
                },
                "flatpeak": {
                    "enabled": True,
                    "base_url": flatpeak_server.url,
                    "account_id": flatpeak.account_id,
                    "api_key": flatpeak.api_key,
                    **platform,
                },
                "tensor": {"base_url": tensor_server.url, "api_key": tensor.api_key, **platform},
                **inventory,
            },
        )

    return make
