"""What a failed exchange with a market means: one description, and the rules every platform shares.

A platform's error mapping handles its own special cases (a refused login, say) and hands a
`Failure` to `map_failure`, which turns it into the `biddaemon.errors` class the daemon's loop
acts on: retry later, rate limited, rejected, refused credentials, or (for a write whose fate is
not known) an ambiguous submission that must be reconciled before anything is sent again.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from biddaemon.errors import (
    AmbiguousSubmission,
    BadMarketData,
    BiddaemonError,
    CredentialsRefused,
    RateLimited,
    RejectedByMarket,
    RetryLater,
)

# Raised before a single byte of the request was written: a write that failed so can be resent.
NEVER_LEFT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Statuses whose `Retry-After` header we honour (RFC 9110 allows it on both).
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Failure:
    """One failed exchange, described without secrets, for a platform's error mapping.

    `response` is set for an HTTP error status, `exception` for a transport error. `sent` is the
    body of a write (never of a login). `detail` is the platform's explanation, already redacted.
    `path` is the route as the client named it; `origin` says which market it was sent to.
    """

    method: str
    path: str
    write: bool
    calls: int
    response: httpx.Response | None = None
    exception: Exception | None = None
    detail: str = ""
    retry_after: float | None = None
    reauthenticated: bool = False
    origin: str = ""
    sent: Mapping[str, Any] | None = field(default=None, repr=False)
    unreadable: str | None = None
    """Set when a 2xx answer's body could not be read as JSON (why)."""
    truncated: bool = False
    """The unreadable answer was declared JSON (or undeclared): cut off on the way, so the read
    is retried; an answer of another type (a proxy's HTML page) is not."""

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    @property
    def where(self) -> str:
        """`POST https://host/path/`: which market and call, for an operator."""
        return f"{self.method} {self.origin}{self.path}"

    @property
    def reason(self) -> str:
        """What went wrong, in a few words, for messages."""
        if self.unreadable is not None:
            return self.unreadable
        if self.exception is not None:
            text = str(self.exception).strip()
            kind = type(self.exception).__name__
            return f"{kind}: {text}" if text else kind
        if self.response is not None:
            return f"{self.response.status_code} {self.response.reason_phrase}".strip()
        return "unknown failure"


ErrorDescriber = Callable[[httpx.Response], str]
ErrorMapper = Callable[[Failure], BiddaemonError]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def map_failure(failure: Failure) -> BiddaemonError:
    """The platform-independent rules: what a failed read or write means for the daemon's loop."""
    where = failure.where
    status = failure.status_code
    if failure.unreadable is not None:
        if failure.write:
            return AmbiguousSubmission(
                f"{where}: the market answered {status} but the answer cannot be read "
                f"({failure.unreadable}); read the market's state before sending again",
                sent=failure.sent,
            )
        return BadMarketData(f"{where}: {failure.unreadable} after {failure.calls} call(s)")
    if failure.exception is not None:
        if failure.write and not isinstance(failure.exception, NEVER_LEFT):
            return AmbiguousSubmission(
                f"{where}: outcome unknown ({failure.reason}); read the market's state before "
                "sending anything else",
                sent=failure.sent,
            )
        not_sent = " (not sent)" if failure.write else ""
        return RetryLater(f"{where}: {failure.reason} after {failure.calls} call(s){not_sent}")
    if status == 401 and failure.reauthenticated:
        return CredentialsRefused(
            f"{where}: the market refused a freshly issued token (401); check the machine user's "
            "access"
        )
    if status is not None and status >= 500 and failure.write:
        return AmbiguousSubmission(
            f"{where}: outcome unknown (the market answered {failure.reason}); read the "
            "market's state before sending anything else",
            sent=failure.sent,
            status_code=status,
        )
    if status == 429 or (status in RETRY_AFTER_STATUSES and failure.retry_after is not None):
        wait = (
            f"; asked to wait {failure.retry_after:g} s" if failure.retry_after is not None else ""
        )
        return RateLimited(
            f"{where}: rate limited ({failure.reason}) after {failure.calls} call(s){wait}",
            retry_after=failure.retry_after,
        )
    if status is not None and status >= 500:
        detail = f": {failure.detail}" if failure.detail else ""
        return RetryLater(f"{where}: {failure.reason} after {failure.calls} call(s){detail}")
    if status is not None and 400 <= status < 500:
        return RejectedByMarket(
            status, failure.detail or failure.reason, method=failure.method, path=failure.path
        )
    if failure.write:
        return AmbiguousSubmission(
            f"{where}: unexpected answer {failure.reason}; outcome unknown", sent=failure.sent
        )
    return BadMarketData(f"{where}: unexpected answer {failure.reason}")
