"""Clients for the configured sources and targets, with every missing credential named at once.

Only what is configured is opened: a target when its `enabled` flag is set, a source when it is
listed in `BIDDAEMON_INVENTORY__SOURCES`. Everything opened here is closed when the `with` block
ends. Which platforms exist, and what each needs, is the registry's (`platforms/`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from biddaemon.errors import ConfigurationError
from biddaemon.inventory.canonical import AssetFacts, Platform
from biddaemon.inventory.platforms import REGISTRY, by_source, targets
from biddaemon.inventory.platforms.base import INVENTORY_VARIABLES
from biddaemon.inventory.target import Target
from biddaemon.settings import Settings


def enabled_platforms(settings: Settings) -> frozenset[Platform]:
    return frozenset(
        module.platform
        for module in targets()
        if module.platform is not None and module.enabled(settings)
    )


def missing_credentials(settings: Settings) -> dict[str, str]:
    """Every variable a configured source or enabled target still needs, with why."""
    missing: dict[str, str] = {}
    for module in REGISTRY:
        if not (module.enabled(settings) or module.imported(settings)):
            continue
        for name, (value, why) in module.credentials(settings).items():
            secret = getattr(value, "get_secret_value", None)
            if value is None or (secret is not None and not secret()) or value == "":
                missing.setdefault(name, why)
    return missing


def check_configuration(settings: Settings) -> None:
    """Raise one ConfigurationError naming every missing setting of the inventory job."""
    missing = missing_credentials(settings)
    if not settings.inventory.configured:
        missing[f"{INVENTORY_VARIABLES}PATH"] = (
            "set it (or BIDDAEMON_INVENTORY__SOURCES) to sync a fleet"
        )
    if missing:
        raise ConfigurationError(missing)


@contextmanager
def open_targets(settings: Settings) -> Iterator[dict[Platform, Target]]:
    """A target for every enabled platform, closed afterwards."""
    check_configuration(settings)
    opened: dict[Platform, Target] = {}
    with ExitStack() as stack:
        for module in targets():
            if module.platform is not None and module.enabled(settings):
                opened[module.platform] = module.open_target(settings, stack)
        yield opened


def import_sources(settings: Settings) -> list[AssetFacts]:
    """The facts of every configured source, in the configured order (which is their rank)."""
    check_configuration(settings)
    facts: list[AssetFacts] = []
    for source in settings.inventory.sources:
        facts.extend(by_source(source).import_facts(settings))
    return facts
