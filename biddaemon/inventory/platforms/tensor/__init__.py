"""Tensor Energy, a read-only source of plants (see `source`)."""

from __future__ import annotations

from typing import Any

from biddaemon.inventory.canonical import AssetFacts
from biddaemon.inventory.platforms.base import INVENTORY_VARIABLES, PlatformModule
from biddaemon.inventory.platforms.tensor.source import import_tensor
from biddaemon.markets.tensor import TensorClient
from biddaemon.settings import Settings


class Tensor(PlatformModule):
    name = "tensor"
    source = "tensor"

    def credentials(self, settings: Settings) -> dict[str, tuple[Any, str]]:
        key = settings.inventory.tensor.api_key
        return {f"{INVENTORY_VARIABLES}TENSOR__API_KEY": (key, "required to import")}

    def import_facts(self, settings: Settings) -> list[AssetFacts]:
        with TensorClient.from_settings(settings.inventory.tensor) as client:
            return import_tensor(client)


PLATFORM = Tensor()
