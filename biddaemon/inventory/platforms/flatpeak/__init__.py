"""Flatpeak, a target (devices) and a source (see `mapping`, `target`, `source`)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from biddaemon.inventory.canonical import AssetFacts, CanonicalAsset, Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.platforms.base import INVENTORY_VARIABLES, PlatformModule
from biddaemon.inventory.platforms.flatpeak import mapping
from biddaemon.inventory.platforms.flatpeak.source import import_flatpeak
from biddaemon.inventory.platforms.flatpeak.target import FlatpeakTarget
from biddaemon.inventory.target import Target
from biddaemon.markets.flatpeak import FlatpeakClient
from biddaemon.settings import Settings


class Flatpeak(PlatformModule):
    name = "flatpeak"
    platform = Platform.FLATPEAK
    source = "flatpeak"

    def credentials(self, settings: Settings) -> dict[str, tuple[Any, str]]:
        why = "required to talk to Flatpeak"
        flatpeak = settings.inventory.flatpeak
        return {
            f"{INVENTORY_VARIABLES}FLATPEAK__ACCOUNT_ID": (flatpeak.account_id, why),
            f"{INVENTORY_VARIABLES}FLATPEAK__API_KEY": (flatpeak.api_key, why),
        }

    def open_target(self, settings: Settings, stack: ExitStack) -> Target:
        client = stack.enter_context(FlatpeakClient.from_settings(settings.inventory.flatpeak))
        return FlatpeakTarget(client)

    def desired(self, asset: CanonicalAsset) -> Desired:
        return mapping.desired(asset)

    def import_facts(self, settings: Settings) -> list[AssetFacts]:
        with FlatpeakClient.from_settings(settings.inventory.flatpeak) as client:
            return import_flatpeak(client)


PLATFORM = Flatpeak()
