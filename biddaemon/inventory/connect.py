"""Clients for the configured sources and targets, with every missing credential named at once.

Only what is configured is opened: a target when its `enabled` flag is set, a source when it is
listed in `BIDDAEMON_INVENTORY__SOURCES`. Everything opened here is closed when the `with` block
ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from biddaemon.errors import ConfigurationError
from biddaemon.inventory.canonical import AssetFacts, Platform
from biddaemon.inventory.sources.flatpeak import import_flatpeak
from biddaemon.inventory.sources.tensor import import_tensor
from biddaemon.inventory.targets.base import Target
from biddaemon.inventory.targets.flatpeak import FlatpeakTarget
from biddaemon.inventory.targets.localflex import LocalFlexTarget
from biddaemon.inventory.targets.piclo import PicloTarget
from biddaemon.markets.flatpeak import FlatpeakClient
from biddaemon.markets.localflex import LocalFlexClient
from biddaemon.markets.piclo import PicloClient
from biddaemon.markets.tensor import TensorClient
from biddaemon.settings import ENV_PREFIX, Settings

_INVENTORY = f"{ENV_PREFIX}INVENTORY__"


def enabled_platforms(settings: Settings) -> frozenset[Platform]:
    inventory = settings.inventory
    flags = {
        Platform.PICLO: inventory.piclo.enabled,
        Platform.LOCALFLEX: inventory.localflex.enabled,
        Platform.FLATPEAK: inventory.flatpeak.enabled,
    }
    return frozenset(platform for platform, enabled in flags.items() if enabled)


def missing_credentials(settings: Settings) -> dict[str, str]:
    """Every variable a configured source or enabled target still needs, with why."""
    inventory = settings.inventory
    missing: dict[str, str] = {}
    platforms = enabled_platforms(settings)

    def need(name: str, value: object, why: str) -> None:
        secret = getattr(value, "get_secret_value", None)
        if value is None or (secret is not None and not secret()) or value == "":
            missing[name] = why

    if Platform.PICLO in platforms:
        why = "required to mirror the inventory to Piclo Flex"
        need(f"{ENV_PREFIX}PICLO__CLIENT_ID", settings.piclo.client_id, why)
        need(f"{ENV_PREFIX}PICLO__API_KEY", settings.piclo.api_key, why)
        need(f"{ENV_PREFIX}PICLO__PROVIDER_ID", settings.piclo.provider_id, why)
    if Platform.LOCALFLEX in platforms:
        need(f"{_INVENTORY}LOCALFLEX__TOKEN", inventory.localflex.token, "required by LocalFlex")
    if Platform.FLATPEAK in platforms or "flatpeak" in inventory.sources:
        why = "required to talk to Flatpeak"
        need(f"{_INVENTORY}FLATPEAK__ACCOUNT_ID", inventory.flatpeak.account_id, why)
        need(f"{_INVENTORY}FLATPEAK__API_KEY", inventory.flatpeak.api_key, why)
    if "tensor" in inventory.sources:
        need(f"{_INVENTORY}TENSOR__API_KEY", inventory.tensor.api_key, "required to import")
    return missing


def check_configuration(settings: Settings) -> None:
    """Raise one ConfigurationError naming every missing setting of the inventory job."""
    missing = missing_credentials(settings)
    if not settings.inventory.configured:
        missing[f"{_INVENTORY}PATH"] = "set it (or BIDDAEMON_INVENTORY__SOURCES) to sync a fleet"
    if missing:
        raise ConfigurationError(missing)


@contextmanager
def open_targets(settings: Settings) -> Iterator[dict[Platform, Target]]:
    """A target for every enabled platform, closed afterwards."""
    check_configuration(settings)
    platforms = enabled_platforms(settings)
    inventory = settings.inventory
    targets: dict[Platform, Target] = {}
    with ExitStack() as stack:
        if Platform.PICLO in platforms and settings.piclo.provider_id:
            piclo = stack.enter_context(PicloClient.from_settings(settings.piclo))
            targets[Platform.PICLO] = PicloTarget(piclo, provider_id=settings.piclo.provider_id)
        if Platform.LOCALFLEX in platforms:
            localflex = stack.enter_context(LocalFlexClient.from_settings(inventory.localflex))
            targets[Platform.LOCALFLEX] = LocalFlexTarget(localflex)
        if Platform.FLATPEAK in platforms:
            flatpeak = stack.enter_context(FlatpeakClient.from_settings(inventory.flatpeak))
            targets[Platform.FLATPEAK] = FlatpeakTarget(flatpeak)
        yield targets


def import_sources(settings: Settings) -> list[AssetFacts]:
    """The facts of every configured source, in the configured order (which is their rank)."""
    check_configuration(settings)
    facts: list[AssetFacts] = []
    for source in settings.inventory.sources:
        if source == "tensor":
            with TensorClient.from_settings(settings.inventory.tensor) as tensor:
                facts.extend(import_tensor(tensor))
        else:
            with FlatpeakClient.from_settings(settings.inventory.flatpeak) as flatpeak:
                facts.extend(import_flatpeak(flatpeak))
    return facts
