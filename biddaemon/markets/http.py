"""HTTP plumbing every market client shares: retried reads, safe writes, timeouts, politeness.

A platform client builds one `MarketHttp` around its `httpx.Client` and injects what differs
between platforms:

- `describe_error(response) -> str`: the platform's error body flattened into readable text;
- `map_error(failure) -> BiddaemonError`: the platform's one mapping function, which normally
  handles its own special cases (say, a refused login) and hands the rest to `map_failure`;
- `auth`: an `Authenticator` giving the headers for a call and forgetting a token the platform
  refused (a `401` is answered by authenticating again once and repeating the call once).

Reads are retried (stamina: exponential backoff with jitter, a cap on attempts and on total
time) on connection errors, timeouts, `429`, `5xx`, and a `2xx` whose body is not JSON (a
truncated answer is as passing as a `502`; `read_json`); a `429` or `503` with `Retry-After` waits
that long instead, unless that is longer than the time left, in which case `RateLimited` tells
the caller how long the platform asked for. Writes are retried only when the request provably
never left (connect error, connect or pool timeout); any other failure of a write has an unknown
outcome and becomes `AmbiguousSubmission`. Reads share a semaphore so that several threads never
have more than `max_concurrent_reads` requests in flight to one platform.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import stamina

from biddaemon import metrics
from biddaemon.errors import (
    AmbiguousSubmission,
    BadMarketData,
    BiddaemonError,
    CredentialsRefused,
    RateLimited,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.logs import get_logger
from biddaemon.markets.text import storable

log = get_logger(__name__)

# Raised before a single byte of the request was written: a write that failed so can be resent.
NEVER_LEFT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Statuses whose `Retry-After` header we honour (RFC 9110 allows it on both).
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_JSON_BYTES = 16 * 1024 * 1024
"""The largest answer body parsed (far above any real one): a bigger one is bad market data."""
MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects accepted; Python's parser would raise
RecursionError somewhere near 1,000, and no market document nests more than a handful."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a read is retried: attempts in total, and the time all of them may take."""

    attempts: int = 5
    total_seconds: float = 120.0
    wait_initial: float = 0.5
    wait_max: float = 30.0
    wait_jitter: float = 1.0


class Authenticator(Protocol):
    """What `MarketHttp` needs from a platform's login: headers now, and forgetting a bad token."""

    def headers(self) -> Mapping[str, str]:
        """Headers that authenticate one call (logging in first when needed)."""
        ...

    def invalidate(self, headers: Mapping[str, str]) -> None:
        """Forget the credential in `headers` (the platform answered 401 to it)."""
        ...


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


class _AttemptFailed(Exception):
    """Carries one failed exchange through stamina to the mapping; its repr is safe to log."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.where}: {failure.reason}")
        self.failure = failure
        self.asked_wait: float | None = None  # the market's Retry-After, when we honour it


def log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """stamina's one on-retry hook: one log line per retry, saying what, attempt, wait and why.

    It replaces stamina's own instrumentation, which logs every retry a second time and names
    the call `<context block>`. `wait_seconds` is the wait the market asked for (None: our
    backoff); `scheduled_seconds` is what stamina will actually sleep.
    """
    cause = details.caused_by
    if isinstance(cause, _AttemptFailed):
        asked = cause.asked_wait
        log.info(
            "market call will be retried",
            call=cause.failure.where,
            attempt=details.retry_num,
            reason=cause.failure.reason,
            wait_seconds=asked,
            wait="as the market asked" if asked is not None else "backoff",
            scheduled_seconds=round(details.wait_for, 3),
        )
    else:
        log.info(
            "call will be retried",
            call=details.name,
            attempt=details.retry_num,
            reason=f"{type(cause).__name__}: {cause}",
            scheduled_seconds=round(details.wait_for, 3),
        )


def install_retry_logging() -> None:
    """Make `log_retry` stamina's only hook (no Prometheus counter, no second log line)."""
    stamina.instrumentation.set_on_retry_hooks([log_retry])


install_retry_logging()


class MarketHttp:
    """Sends a platform's requests with the retry, safety and politeness rules of this module."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        map_error: ErrorMapper,
        describe_error: ErrorDescriber,
        auth: Authenticator | None = None,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        max_concurrent_reads: int = 4,
        redact: Callable[[str], str] = str,
        platform: str = "market",
    ) -> None:
        self._client = client
        self._platform = platform
        self._map_error = map_error
        self._describe_error = describe_error
        self._auth = auth
        self.policy = policy or RetryPolicy()
        self._timeout = timeout or client.timeout
        self._read_slots = threading.BoundedSemaphore(max_concurrent_reads)
        self._redact = redact
        base = client.base_url  # scheme, host and port only: never any userinfo
        port = f":{base.port}" if base.port is not None else ""
        self._origin = f"{base.scheme}://{base.host}{port}" if base.host else ""

    def __repr__(self) -> str:
        return f"MarketHttp(base_url={str(self._client.base_url)!r}, policy={self.policy!r})"

    def set_auth(self, auth: Authenticator | None) -> None:
        """Attach the login (it usually needs this object to log in, hence not at construction)."""
        self._auth = auth

    def close(self) -> None:
        self._client.close()

    def read(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """A call without side effects (or a login): retried, bounded, then mapped on failure."""
        response: httpx.Response = self._send(
            method, url, params=params, json=json, authenticated=authenticated
        )
        return response

    def read_json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        authenticated: bool = True,
    ) -> Any:
        """`read`, then its body as JSON; a 2xx declared JSON that is not (a truncated body) is
        retried like a 5xx, and after the retries it is `BadMarketData` (see `load_json` for
        the limits). A 2xx of another type (a proxy's HTML page) is `BadMarketData` at once.
        """
        return self._send(
            method, url, params=params, json=json, authenticated=authenticated, decode=True
        )

    def write(
        self, method: str, url: str, *, json: Mapping[str, Any], authenticated: bool = True
    ) -> httpx.Response:
        """A call that changes the market: resent only if it provably never left."""
        response: httpx.Response = self._send(
            method, url, json=json, authenticated=authenticated, write=True
        )
        return response

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        authenticated: bool,
        write: bool = False,
        decode: bool = False,
    ) -> Any:
        self._check_origin(url)
        calls = [0]  # HTTP calls made, for messages
        started = time.monotonic()

        def should_retry(exc: Exception) -> bool | float:
            if not isinstance(exc, _AttemptFailed):
                return False
            decision = self._retry_decision(exc.failure, started)
            exc.asked_wait = decision if not isinstance(decision, bool) else None  # for log_retry
            return decision

        try:
            for attempt in stamina.retry_context(
                on=should_retry,
                attempts=self.policy.attempts,
                timeout=self.policy.total_seconds,
                wait_initial=self.policy.wait_initial,
                wait_max=self.policy.wait_max,
                wait_jitter=self.policy.wait_jitter,
            ):
                with attempt:
                    response = self._exchange(
                        method,
                        url,
                        params=params,
                        json=json,
                        authenticated=authenticated,
                        write=write,
                        calls=calls,
                    )
                    return self._decoded(response, url, write, calls) if decode else response
        except _AttemptFailed as failed:
            error = self._map_error(failed.failure)
            log.warning("market call failed", call=failed.failure.where, error=str(error))
            raise error from failed.failure.exception
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _decoded(self, response: httpx.Response, url: str, write: bool, calls: list[int]) -> Any:
        """The body as JSON; if it cannot be read, a failed attempt (retried when truncated)."""
        try:
            return load_json(response.content)
        except ValueError as exc:
            raise _AttemptFailed(
                Failure(
                    method=response.request.method,
                    path=_route(url),
                    write=write,
                    calls=calls[0],
                    response=response,
                    origin=self._origin,
                    unreadable=f"the answer is not JSON (status {response.status_code}: {exc})",
                    truncated=_declared_json(response),
                )
            ) from None

    def _retry_decision(self, failure: Failure, started: float) -> bool | float:
        """False: give up now; True: back off exponentially; a float: wait exactly that long."""
        if failure.unreadable is not None:
            return failure.truncated and not failure.write
        if failure.write:
            return isinstance(failure.exception, NEVER_LEFT)
        if failure.exception is not None:
            return isinstance(failure.exception, httpx.TransportError)
        status = failure.status_code or 0
        if status != 429 and status < 500:
            return False
        if failure.retry_after is None:
            return True
        left = self.policy.total_seconds - (time.monotonic() - started)
        if failure.retry_after > left:
            return False  # waiting less than asked would be impolite: RateLimited says how long
        return failure.retry_after

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        json: Mapping[str, Any] | None,
        authenticated: bool,
        write: bool,
        calls: list[int],
    ) -> httpx.Response:
        """One attempt: send, and on a 401 log in again once and send once more."""
        auth = self._auth if authenticated else None
        headers = dict(auth.headers()) if auth is not None else {}
        response = self._send_once(method, url, params, json, headers, write, calls)
        reauthenticated = False
        if response.status_code == 401 and auth is not None:
            log.info("market refused the token; logging in again", call=f"{method} {url}")
            auth.invalidate(headers)
            headers = dict(auth.headers())
            response = self._send_once(method, url, params, json, headers, write, calls)
            reauthenticated = True
        if response.is_success:
            return response
        retry_after = None
        if response.status_code in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise _AttemptFailed(
            Failure(
                method=method,
                path=_route(url),
                write=write,
                calls=calls[0],
                response=response,
                detail=storable(self._redact(self._describe_error(response))),
                retry_after=retry_after,
                reauthenticated=reauthenticated,
                origin=self._origin,
                sent=json if write else None,
            )
        )

    def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json: Mapping[str, Any] | None,
        headers: Mapping[str, str],
        write: bool,
        calls: list[int],
    ) -> httpx.Response:
        calls[0] += 1
        started = time.monotonic()
        try:
            with self._slot(write):
                sent_at = time.monotonic()
                try:
                    response = self._client.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        headers=headers,
                        timeout=self._timeout,
                    )
                    response.read()
                finally:
                    metrics.MARKET_LATENCY.labels(
                        platform=self._platform, method=method, route=route_template(url)
                    ).observe(time.monotonic() - sent_at)
        except httpx.TransportError as exc:
            metrics.MARKET_ERRORS.labels(platform=self._platform, kind="transport").inc()
            raise _AttemptFailed(
                Failure(
                    method=method,
                    path=_route(url),
                    write=write,
                    calls=calls[0],
                    exception=exc,
                    origin=self._origin,
                    sent=json if write else None,
                )
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            metrics.MARKET_ERRORS.labels(
                platform=self._platform, kind=str(response.status_code)
            ).inc()
        log.debug(
            "market call",
            call=f"{method} {_path_of(response.request.url)}",
            status=response.status_code,
            ms=round((time.monotonic() - started) * 1000),
        )
        return response

    @contextmanager
    def _slot(self, write: bool) -> Iterator[None]:
        if write:
            yield
            return
        with self._read_slots:
            yield

    def _check_origin(self, url: str) -> None:
        """Refuse an absolute URL (a page's `next`) on another host: it would get our token."""
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise BadMarketData("refusing a link that is not a valid URL", field="next") from None
        if not target.is_absolute_url:
            return
        base = self._client.base_url
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            raise BadMarketData(
                f"refusing to follow a link to another origin ({target.scheme}://{target.host})"
            )


def load_json(body: bytes | str) -> Any:
    """JSON text as Python values; ValueError (never RecursionError) for anything unusable.

    Refused: more than `MAX_JSON_BYTES`, nesting deeper than `MAX_JSON_DEPTH`, `NaN` and
    `Infinity` (not JSON, and not a quantity), text that is not UTF-8 JSON.
    """
    if len(body) > MAX_JSON_BYTES:
        raise ValueError(f"the body is larger than {MAX_JSON_BYTES} bytes")
    try:
        value = jsonlib.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # bad JSON, not UTF-8, NaN, an integer of over 4,300 digits
        raise ValueError(f"not JSON: {str(exc)[:200]}") from None
    _check_depth(value)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def decode_json(response: httpx.Response) -> Any:
    """The body of a successful answer as JSON, or BadMarketData saying it was not JSON."""
    try:
        return load_json(response.content)
    except ValueError as exc:
        raise BadMarketData(
            f"{response.request.method} {_path_of(response.request.url)}: the answer is not JSON "
            f"(status {response.status_code}: {exc})"
        ) from None


def error_body(response: httpx.Response) -> Any:
    """An error answer's body for describing it: its JSON, else its text (never raises)."""
    try:
        return load_json(response.content)
    except ValueError:
        return response.text.strip()[:2000]


def _declared_json(response: httpx.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return not content_type or "json" in content_type


def _path_of(url: httpx.URL) -> str:
    return url.raw_path.decode("ascii", "replace")


_STATIC_SEGMENT = re.compile(r"^(v\d+|[a-z]+(-[a-z]+)*)$")


def route_template(url: str) -> str:
    """The route with ids replaced (`/competitions/v1/{id}/`), a safe metrics label."""
    path = httpx.URL(url).path
    segments = [s if not s or _STATIC_SEGMENT.match(s) else "{id}" for s in path.split("/")]
    return "/".join(segments)


def _route(url: str) -> str:
    """The route as the client named it; for an absolute URL (a page link) its path and query."""
    target = httpx.URL(url)
    return _path_of(target) if target.is_absolute_url else url
