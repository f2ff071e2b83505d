"""The sandbox's one source of "now": real time, sped up, or moved by hand.

Every other sandbox module asks a `SandboxClock`; none calls `datetime.now`. That is what lets a
demo run days in a minute (`speed`) and a test step over a competition's close without sleeping
(`advance`). Simulated time is `start + (real seconds since start) * speed + manual offset`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def real_now() -> datetime:
    """The wall clock, aware and in UTC; the only call to `datetime.now` in the sandbox."""
    return datetime.now(UTC)


class SandboxClock:
    """Simulated time; thread-safe, since uvicorn's thread and a test's thread both read it.

    `monotonic` is injectable so tests can drive "real" seconds too; `speed` 0 freezes the clock,
    so only `advance` and `set` move it.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("clock speed must be zero or positive")
        start = real_now() if start is None else start
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start instant")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor_sim = start.astimezone(UTC)
        self._anchor_real = monotonic()
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        elapsed = (self._monotonic() - self._anchor_real) * self._speed
        return self._anchor_sim + timedelta(seconds=elapsed)

    def _reanchor(self, instant: datetime) -> None:
        self._anchor_sim = instant
        self._anchor_real = self._monotonic()

    def advance(self, seconds: float) -> datetime:
        """Jump forward; the market catches up with everything that happened meanwhile."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward; reset the market instead")
        with self._lock:
            self._reanchor(self._now_locked() + timedelta(seconds=seconds))
            return self._anchor_sim

    def set(self, instant: datetime) -> datetime:
        """Jump to `instant`, which may not be in the simulated past."""
        if instant.tzinfo is None:
            raise ValueError("naive datetime refused: give the instant with an offset or Z")
        with self._lock:
            now = self._now_locked()
            if instant < now:
                raise ValueError(
                    "the sandbox clock only moves forward; reset the market to go back in time"
                )
            self._reanchor(instant.astimezone(UTC))
            return self._anchor_sim

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("clock speed must be zero or positive")
        with self._lock:
            self._reanchor(self._now_locked())
            self._speed = speed

    def restart(self, start: datetime) -> None:
        """Go back to a start instant: only a market reset may do this."""
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start instant")
        with self._lock:
            self._reanchor(start.astimezone(UTC))
