"""What the inventory needs from one platform, in one place: the `PlatformModule` interface.

A platform is a target (the inventory is mirrored to it: Piclo Flex, LocalFlex, Flatpeak), a
source (the fleet is imported from it: Tensor Energy, Flatpeak), or both. Its package holds
its mapping (canonical asset -> its records), its target (reading and writing them through
its client) and its source (its records -> facts); its `__init__` exposes one `PlatformModule`,
and `platforms/__init__.py` lists it. Nothing outside a platform's package names it.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from biddaemon.inventory.canonical import AssetFacts, Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.merge import Inventory
from biddaemon.inventory.target import Target
from biddaemon.settings import ENV_PREFIX, Settings

INVENTORY_VARIABLES = f"{ENV_PREFIX}INVENTORY__"


class PlatformModule:
    """One platform. `platform` is set for a target, `source` (the name listed in
    `BIDDAEMON_INVENTORY__SOURCES`) for a source; the defaults are "neither"."""

    name: str
    platform: Platform | None = None
    source: str | None = None

    @property
    def enable_variable(self) -> str:
        return f"{INVENTORY_VARIABLES}{self.name.upper()}__ENABLED"

    def enabled(self, settings: Settings) -> bool:
        """Whether the inventory is mirrored to this platform."""
        if self.platform is None:
            return False
        return bool(getattr(settings.inventory, self.name).enabled)

    def imported(self, settings: Settings) -> bool:
        """Whether the fleet is imported from this platform."""
        return self.source is not None and self.source in settings.inventory.sources

    def credentials(self, settings: Settings) -> dict[str, tuple[Any, str]]:
        """Every setting this platform needs when used: variable -> (value, why)."""
        return {}

    def open_target(self, settings: Settings, stack: ExitStack) -> Target:
        """A target over a client that `stack` closes."""
        raise NotImplementedError(f"{self.name} is not a target")

    def wanted(self, inventory: Inventory) -> list[Desired]:
        """Every record the inventory wants on this platform."""
        mapping = self.desired
        return [mapping(asset) for asset in inventory.assets if self.platform in asset.platforms]

    def desired(self, asset: Any) -> Desired:
        raise NotImplementedError(f"{self.name} is not a target")

    def import_facts(self, settings: Settings) -> list[AssetFacts]:
        """The facts of every record on the platform (a source)."""
        raise NotImplementedError(f"{self.name} is not a source")
