"""The Piclo Flex bearer token: fetched once, shared by every thread, renewed before it expires.

The token is a JWT; when it carries `exp` the cache renews it once half of its remaining
lifetime (as seen when it was issued) has passed, so a call never goes out with a token about to
expire. Without `exp` the token is kept until the market answers 401, which `MarketHttp` handles
by calling `invalidate` and asking for headers again. The token never appears in a repr.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from pydantic import SecretStr

from biddaemon.clock import utcnow

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    # The process clock, so that `biddaemon demo` (which follows the sandbox's fast clock)
    # renews tokens on the market's time too.
    return utcnow()


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT as an aware UTC datetime, or None if it has none.

    The signature is not checked: the client only needs to know when to renew, and the market
    is the one that verifies the token.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class TokenCache:
    """Holds one bearer token for all threads; implements `markets.http.Authenticator`.

    `fetch` logs in and returns a fresh token (raising a biddaemon error if it cannot). Only one
    thread logs in at a time; the others wait and reuse its token.
    """

    def __init__(
        self, fetch: Callable[[], SecretStr], *, clock: Clock = utc_now, renew_at: float = 0.5
    ) -> None:
        if not 0 < renew_at <= 1:
            raise ValueError("renew_at is a fraction of the token's lifetime, in (0, 1]")
        self._fetch = fetch
        self._clock = clock
        self._renew_fraction = renew_at
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._renew_after: datetime | None = None
        self._expires: datetime | None = None

    def __repr__(self) -> str:
        state = "empty" if self._token is None else f"renews after {self._renew_after}"
        return f"TokenCache({state})"

    @property
    def expires(self) -> datetime | None:
        """When the current token expires, if it says."""
        return self._expires

    def token(self) -> SecretStr:
        """The current token, logging in first if there is none or it is due for renewal."""
        with self._lock:
            if self._token is None or self._due():
                self._renew()
            assert self._token is not None
            return self._token

    def renew(self) -> SecretStr:
        """Log in now, whatever the state of the current token."""
        with self._lock:
            self._renew()
            assert self._token is not None
            return self._token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token().get_secret_value()}"}

    def invalidate(self, headers: Mapping[str, str]) -> None:
        """Forget the token in `headers`, unless another thread has already replaced it."""
        with self._lock:
            if self._token is not None and headers.get("Authorization") == (
                f"Bearer {self._token.get_secret_value()}"
            ):
                self._token = None
                self._renew_after = None
                self._expires = None

    def _due(self) -> bool:
        return self._renew_after is not None and self._clock() >= self._renew_after

    def _renew(self) -> None:
        self._token = None
        token = self._fetch()
        now = self._clock()
        expires = jwt_expiry(token.get_secret_value())
        self._token = token
        self._expires = expires
        if expires is not None and expires > now:
            self._renew_after = now + (expires - now) * self._renew_fraction
        else:
            # No usable `exp` (or our clock is past it): keep it until the market says 401.
            self._renew_after = None
