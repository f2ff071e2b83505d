"""EPEX LocalFlex, a target: assets and portfolios (see `mapping`, `target`)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from biddaemon.inventory.canonical import CanonicalAsset, Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.merge import Inventory
from biddaemon.inventory.platforms.base import INVENTORY_VARIABLES, PlatformModule
from biddaemon.inventory.platforms.localflex import mapping
from biddaemon.inventory.platforms.localflex.target import LocalFlexTarget
from biddaemon.inventory.target import Target
from biddaemon.markets.localflex import LocalFlexClient
from biddaemon.settings import Settings


class LocalFlex(PlatformModule):
    name = "localflex"
    platform = Platform.LOCALFLEX

    def credentials(self, settings: Settings) -> dict[str, tuple[Any, str]]:
        token = settings.inventory.localflex.token
        return {f"{INVENTORY_VARIABLES}LOCALFLEX__TOKEN": (token, "required by LocalFlex")}

    def open_target(self, settings: Settings, stack: ExitStack) -> Target:
        client = stack.enter_context(LocalFlexClient.from_settings(settings.inventory.localflex))
        return LocalFlexTarget(client)

    def wanted(self, inventory: Inventory) -> list[Desired]:
        """The file's portfolios first (assets may be assigned to them), then the assets."""
        portfolios = [mapping.desired_portfolio(p) for p in inventory.portfolios]
        return portfolios + super().wanted(inventory)

    def desired(self, asset: CanonicalAsset) -> Desired:
        return mapping.desired(asset)


PLATFORM = LocalFlex()
