"""Piclo Flex, a target: Flex Assets and Planned Assets (see `mapping`, `target`)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from biddaemon.inventory.canonical import CanonicalAsset, Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.platforms.base import PlatformModule
from biddaemon.inventory.platforms.piclo import mapping
from biddaemon.inventory.platforms.piclo.target import PicloTarget
from biddaemon.inventory.target import Target
from biddaemon.markets.piclo import PicloClient
from biddaemon.settings import ENV_PREFIX, Settings


class Piclo(PlatformModule):
    name = "piclo"
    platform = Platform.PICLO

    def credentials(self, settings: Settings) -> dict[str, tuple[Any, str]]:
        why = "required to mirror the inventory to Piclo Flex"
        piclo = settings.piclo
        return {
            f"{ENV_PREFIX}PICLO__CLIENT_ID": (piclo.client_id, why),
            f"{ENV_PREFIX}PICLO__API_KEY": (piclo.api_key, why),
            f"{ENV_PREFIX}PICLO__PROVIDER_ID": (piclo.provider_id, why),
        }

    def open_target(self, settings: Settings, stack: ExitStack) -> Target:
        client = stack.enter_context(PicloClient.from_settings(settings.piclo))
        return PicloTarget(client, provider_id=settings.piclo.provider_id or "")

    def desired(self, asset: CanonicalAsset) -> Desired:
        return mapping.desired(asset)


PLATFORM = Piclo()
