"""Every platform the inventory knows, one package each; adding one is a package and a line.

for module in REGISTRY: ...        # targets in mirroring order, then sources
by_platform(Platform.FLATPEAK)     # the module of a target
by_source("tensor")                # the module of a source listed in the settings
"""

from __future__ import annotations

from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.platforms import flatpeak, localflex, piclo, tensor
from biddaemon.inventory.platforms.base import PlatformModule

REGISTRY: tuple[PlatformModule, ...] = (
    piclo.PLATFORM,
    localflex.PLATFORM,
    flatpeak.PLATFORM,
    tensor.PLATFORM,
)


def targets() -> tuple[PlatformModule, ...]:
    return tuple(module for module in REGISTRY if module.platform is not None)


def by_platform(platform: Platform) -> PlatformModule:
    for module in REGISTRY:
        if module.platform is platform:
            return module
    raise LookupError(f"no inventory platform module for {platform.value}")


def by_source(name: str) -> PlatformModule:
    for module in REGISTRY:
        if module.source == name:
            return module
    raise LookupError(f"no inventory source called {name!r}")


__all__ = ["REGISTRY", "PlatformModule", "by_platform", "by_source", "targets"]
