"""The three stand-ins of one sandbox, on its clock; `reset()` replaces them with empty ones.

Their routes are named `<platform>.<endpoint>` (e.g. `flatpeak.create_device`): the names the
sandbox's faults target and its request log shows (`operations.PLATFORM_OPERATIONS`).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from biddaemon.sandbox.clock import SandboxClock
from biddaemon.sandbox.platforms.flatpeak import FlatpeakSimulator
from biddaemon.sandbox.platforms.localflex import LocalFlexSimulator
from biddaemon.sandbox.platforms.tensor import TensorSimulator

NAMES = ("localflex", "flatpeak", "tensor")


def _named(platform: str, app: FastAPI) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute) and "." not in route.name:
            route.name = f"{platform}.{route.name}"


class PlatformStandIns:
    """LocalFlex, Flatpeak and Tensor Energy as one sandbox serves them."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.localflex = LocalFlexSimulator()
        self.flatpeak = FlatpeakSimulator(now=clock.now)
        self.tensor = TensorSimulator()
        self._name_routes()

    def _name_routes(self) -> None:
        for name in NAMES:
            _named(name, getattr(self, name).app)

    def reset(self) -> None:
        """Empty stand-ins (their default credentials), as when the sandbox started."""
        with self._lock:
            self.localflex = LocalFlexSimulator()
            self.flatpeak = FlatpeakSimulator(now=self.clock.now)
            self.tensor = TensorSimulator()
            self._name_routes()

    def app_for(self, name: str) -> Any:
        with self._lock:
            return getattr(self, name).app
