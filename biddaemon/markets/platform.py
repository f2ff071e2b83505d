"""What every platform client sets up the same way around `MarketHttp`.

- `StaticBearer`: an `httpx.Auth` sending a configured token or API key as `Bearer <secret>`
  (LocalFlex, Tensor Energy); platforms with a login (Piclo, Flatpeak) keep their own token
  holders, which `MarketHttp` drives as an `Authenticator`;
- `market_http`: the `httpx.Client` (base URL, timeouts, transport, no redirects, `Accept` and
  `User-Agent` headers) wrapped in a `MarketHttp` with the platform's error mapping and the
  secrets to redact from error details;
- `retry_policy`: the `RetryPolicy` of a platform's settings;
- `PlatformClient`: context manager and `close()` for a client holding its `MarketHttp` in
  `self._http`, and the one `from_settings` every client shares: a client declares the
  `Credential`s its constructor takes from its settings section (every missing one is named in
  one `ConfigurationError`) and the other settings it takes as they are (`SETTINGS`); the base
  URL, timeouts and retry policy are passed the same way for every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self

import httpx
from pydantic import SecretStr

from biddaemon import __version__
from biddaemon.errors import ConfigurationError
from biddaemon.logs import REDACTED, SecretRedactor
from biddaemon.markets.failures import ErrorDescriber, ErrorMapper
from biddaemon.markets.http import MarketHttp, RetryPolicy

USER_AGENT = f"biddaemon/{__version__}"


class StaticBearer(httpx.Auth):
    """Adds `<header>: Bearer <secret>` to every request; its repr never shows the secret."""

    def __init__(self, secret: SecretStr, *, header: str = "Authorization") -> None:
        self._secret = secret
        self._header = header

    def __repr__(self) -> str:
        return f"StaticBearer({REDACTED})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = f"Bearer {self._secret.get_secret_value()}"
        yield request


class RetrySettings(Protocol):
    """The retry settings every platform section has."""

    @property
    def max_attempts(self) -> int: ...

    @property
    def max_retry_seconds(self) -> float: ...


def retry_policy(settings: RetrySettings) -> RetryPolicy:
    """How hard reads are retried, as configured for one platform."""
    return RetryPolicy(attempts=settings.max_attempts, total_seconds=settings.max_retry_seconds)


def market_http(
    *,
    base_url: str,
    map_error: ErrorMapper,
    describe_error: ErrorDescriber,
    secrets: Iterable[str],
    timeout_seconds: float,
    connect_timeout_seconds: float,
    policy: RetryPolicy | None,
    transport: httpx.BaseTransport | None,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    max_concurrent_reads: int | None = None,
    platform: str = "market",
) -> MarketHttp:
    """A `MarketHttp` over a new `httpx.Client` for one platform.

    `secrets` are masked in the error details `MarketHttp` reports; `headers` are added to
    `Accept` and `User-Agent`. With `max_concurrent_reads`, reads are bounded to that many and
    the connection pool to two more (so a write or a login never waits behind the reads);
    without it, httpx's and `MarketHttp`'s defaults apply. `platform` labels the latency metric.
    """
    timeout = httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds)
    client_options: dict[str, Any] = {}
    http_options: dict[str, Any] = {}
    if max_concurrent_reads is not None:
        client_options["limits"] = httpx.Limits(max_connections=max_concurrent_reads + 2)
        http_options["max_concurrent_reads"] = max_concurrent_reads
    client = httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        transport=transport,
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
        **client_options,
    )
    return MarketHttp(
        client,
        map_error=map_error,
        describe_error=describe_error,
        policy=policy,
        timeout=timeout,
        redact=SecretRedactor(secrets).scrub_text,
        platform=platform,
        **http_options,
    )


class ConnectionSettings(RetrySettings, Protocol):
    """What every platform's settings section says about reaching it."""

    @property
    def base_url(self) -> str: ...

    @property
    def timeout_seconds(self) -> float: ...

    @property
    def connect_timeout_seconds(self) -> float: ...


@dataclass(frozen=True)
class Credential:
    """A constructor argument read from the setting of the same name, which must be set;
    `variable` is the environment variable a user is told to set when it is missing."""

    name: str
    variable: str
    why: str


def _present(value: Any) -> bool:
    secret = getattr(value, "get_secret_value", None)
    return value is not None and value != "" and (secret is None or bool(secret()))


class PlatformClient:
    """A client holding its `MarketHttp` in `_http`. Use as a context manager, or call `close()`."""

    _http: MarketHttp
    CREDENTIALS: ClassVar[tuple[Credential, ...]] = ()
    SETTINGS: ClassVar[tuple[str, ...]] = ()  # further constructor arguments, as configured

    @classmethod
    def from_settings(
        cls,
        settings: ConnectionSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ) -> Self:
        """A client for the configured platform; missing credentials are one
        ConfigurationError naming each. `options` go to the constructor as they are."""
        missing = {
            c.variable: c.why for c in cls.CREDENTIALS if not _present(getattr(settings, c.name))
        }
        if missing:
            raise ConfigurationError(missing)
        arguments = {c.name: getattr(settings, c.name) for c in cls.CREDENTIALS}
        arguments |= {name: getattr(settings, name) for name in cls.SETTINGS}
        make: Callable[..., Self] = cls
        return make(
            base_url=settings.base_url,
            timeout_seconds=settings.timeout_seconds,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            policy=retry_policy(settings),
            transport=transport,
            **arguments,
            **options,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
