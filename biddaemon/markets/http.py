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

What a failure means is `markets.failures`'; how an answer's JSON is read, `markets.json_body`;
how a retry is logged, `markets.retry_log`; how a call is named, `markets.route_names`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import stamina

from biddaemon import metrics
from biddaemon.errors import BadMarketData
from biddaemon.logs import get_logger
from biddaemon.markets.failures import (
    NEVER_LEFT,
    RETRY_AFTER_STATUSES,
    ErrorDescriber,
    ErrorMapper,
    Failure,
    parse_retry_after,
)
from biddaemon.markets.json_body import declared_json, load_json
from biddaemon.markets.retry_log import AttemptFailed
from biddaemon.markets.route_names import raw_path, route_as_named, route_template
from biddaemon.markets.text import storable

log = get_logger(__name__)


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
            if not isinstance(exc, AttemptFailed):
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
        except AttemptFailed as failed:
            error = self._map_error(failed.failure)
            log.warning("market call failed", call=failed.failure.where, error=str(error))
            raise error from failed.failure.exception
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _decoded(self, response: httpx.Response, url: str, write: bool, calls: list[int]) -> Any:
        """The body as JSON; if it cannot be read, a failed attempt (retried when truncated)."""
        try:
            return load_json(response.content)
        except ValueError as exc:
            raise AttemptFailed(
                Failure(
                    method=response.request.method,
                    path=route_as_named(url),
                    write=write,
                    calls=calls[0],
                    response=response,
                    origin=self._origin,
                    unreadable=f"the answer is not JSON (status {response.status_code}: {exc})",
                    truncated=declared_json(response),
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
        raise AttemptFailed(
            Failure(
                method=method,
                path=route_as_named(url),
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
            raise AttemptFailed(
                Failure(
                    method=method,
                    path=route_as_named(url),
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
            call=f"{method} {raw_path(response.request.url)}",
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
