"""The Flatpeak bearer token: fetched with `GET /login`, renewed before `expires_in` runs out.

Flatpeak says how long a token lives (`expires_in`, seconds) rather than putting `exp` in the
token, so the Piclo `TokenCache` (which reads `exp`) does not fit; this holder renews once
`renew_at` of the announced lifetime has passed. It implements `markets.http.Authenticator`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from biddaemon.markets.flatpeak.models import LoginResponse

MonotonicClock = Callable[[], float]


class BearerToken:
    """One token shared by every thread; only one thread logs in at a time."""

    def __init__(
        self,
        login: Callable[[], LoginResponse],
        *,
        clock: MonotonicClock = time.monotonic,
        renew_at: float = 0.5,
    ) -> None:
        if not 0 < renew_at <= 1:
            raise ValueError("renew_at is a fraction of the token's lifetime, in (0, 1]")
        self._login = login
        self._clock = clock
        self._renew_fraction = renew_at
        self._lock = threading.Lock()
        self._header: str | None = None
        self._renew_after = 0.0
        self.live_mode: bool | None = None

    def __repr__(self) -> str:
        return f"BearerToken({'empty' if self._header is None else 'held'})"

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._header is None or self._clock() >= self._renew_after:
                self._renew()
            assert self._header is not None
            return {"Authorization": self._header}

    def invalidate(self, headers: Mapping[str, str]) -> None:
        """Forget the token in `headers` (Flatpeak answered 401), unless already replaced."""
        with self._lock:
            if self._header is not None and headers.get("Authorization") == self._header:
                self._header = None

    def _renew(self) -> None:
        self._header = None
        started = self._clock()
        answer = self._login()
        self._header = f"Bearer {answer.bearer_token.get_secret_value()}"
        self._renew_after = started + answer.expires_in * self._renew_fraction
        self.live_mode = answer.live_mode
