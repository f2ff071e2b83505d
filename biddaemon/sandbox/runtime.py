"""A running sandbox's parts in one object: the app, the in-process runner and the admin API
share it, and reset or a new scenario swap the market (and its faults) in place."""

from __future__ import annotations

import threading
from datetime import datetime

from biddaemon.sandbox.auth import Credentials, TokenIssuer
from biddaemon.sandbox.builder import build_market
from biddaemon.sandbox.clock import SandboxClock, real_now
from biddaemon.sandbox.config import SandboxConfig
from biddaemon.sandbox.defaults import DEFAULT_SEED
from biddaemon.sandbox.faults import FaultPlan
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.model import Provider
from biddaemon.sandbox.platforms.standins import PlatformStandIns
from biddaemon.sandbox.scenario import Scenario, load_scenario
from biddaemon.sandbox.traffic import TrafficLog


class Sandbox:
    """Precedence: what the config says, then the scenario, then the defaults (seed 1, now)."""

    def __init__(self, config: SandboxConfig, *, clock: SandboxClock | None = None) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._initial_scenario = None if config.scenario is None else load_scenario(config.scenario)
        self._scenario = self._initial_scenario
        self.seed = self._seed_for(self._scenario)
        self.start = self._start_for(self._scenario)
        self.clock = clock if clock is not None else SandboxClock(self.start, speed=config.speed)
        self.provider = Provider(config.provider_id, config.provider_name)
        self.tokens = TokenIssuer(
            Credentials(config.client_id, config.api_key, config.provider_id),
            config.token_lifetime_seconds,
            self.clock,
        )
        self.traffic = TrafficLog()
        self.platforms = PlatformStandIns(self.clock)
        self.faults: FaultPlan
        self.market = self._install()

    def _seed_for(self, scenario: Scenario | None) -> int:
        if self.config.seed is not None:
            return self.config.seed
        if scenario is not None and scenario.seed is not None:
            return scenario.seed
        return DEFAULT_SEED

    def _start_for(self, scenario: Scenario | None) -> datetime:
        if self.config.start is not None:
            return self.config.start
        if scenario is not None and scenario.start is not None:
            return scenario.start
        return real_now()

    def _install(self) -> Market:
        scenario_faults = tuple(self._scenario.faults) if self._scenario else ()
        self.faults = FaultPlan(self.seed, self.config.faults + scenario_faults)
        self.market = build_market(
            self.clock, self.provider, self.seed, self._scenario, contested=self.config.contested
        )
        return self.market

    def reset(self, *, seed: int | None = None, start: datetime | None = None) -> Market:
        """Back to the beginning: the clock at the start instant, the market as first built,
        the configured faults, an empty request log, empty platform stand-ins. Tokens stay
        valid."""
        with self._lock:
            if seed is not None:
                self.seed = seed
            if start is not None:
                self.start = start
            self.clock.restart(self.start)
            self.traffic.clear()
            self.platforms.reset()
            return self._install()

    def restore(self) -> Market:
        """Exactly as configured: the configured scenario (or none), seed, start, speed and
        faults. What a test suite sharing one server calls before each test."""
        with self._lock:
            self._scenario = self._initial_scenario
            self.seed = self._seed_for(self._scenario)
            self.start = self._start_for(self._scenario)
            self.clock.set_speed(self.config.speed)  # first, or time passes at the old speed
            self.clock.restart(self.start)
            self.traffic.clear()
            self.platforms.reset()
            return self._install()

    def load_scenario(self, scenario: Scenario) -> Market:
        """Replace the market with `scenario`'s; the clock jumps to its start (if it has one)."""
        with self._lock:
            self._scenario = scenario
            if scenario.seed is not None:
                self.seed = scenario.seed
            self.start = scenario.start if scenario.start is not None else self.clock.now()
            self.clock.restart(self.start)
            self.traffic.clear()
            return self._install()
