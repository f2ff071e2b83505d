"""All configuration, read from `BIDDAEMON_*` environment variables (nested with `__`) or `.env`.

This is the only place settings are defined and validated. `load_settings()` turns every
problem into one `ConfigurationError` naming each variable, so an operator fixes them all at once.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from biddaemon.errors import ConfigurationError
from biddaemon.unknown_settings import unknown_variables

ENV_PREFIX = "BIDDAEMON_"
ENV_FILE = ".env"
NESTED_DELIMITER = "__"
DEFAULT_DATABASE_FILE = "biddaemon.db"
DEFAULT_DRY_RUN_DATABASE_FILE = "biddaemon-dry-run.db"
MARKET_MIN_POLL_SECONDS = 3600
DEFAULT_HEALTH_PORT = 9317
DASHBOARD_TOKEN_MIN_LENGTH = 16


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and any address in 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname)


def _check_market_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL such as https://api.picloflex.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            "plain http:// is only allowed for a loopback host (127.0.0.1, localhost, ::1); "
            "use https:// for anything else"
        )
    return value.rstrip("/")


class PicloSettings(BaseModel):
    """Where Piclo Flex is and who we are there (`BIDDAEMON_PICLO__*`)."""

    base_url: str = "https://api.picloflex.com"
    client_id: str | None = None
    api_key: SecretStr | None = None
    provider_id: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_concurrent_reads: int = Field(default=4, ge=1, le=32)
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_retry_seconds: float = Field(default=120.0, gt=0, le=3600)

    _check_base_url = field_validator("base_url")(classmethod(lambda cls, v: _check_market_url(v)))


class PollSettings(BaseModel):
    """How often the market is asked (`BIDDAEMON_POLL__*`); the market asks for at most hourly."""

    opportunities_interval_seconds: int = Field(default=MARKET_MIN_POLL_SECONDS, ge=1)
    results_time_utc: time = time(19, 30)

    @field_validator("results_time_utc", mode="before")
    @classmethod
    def _parse_hh_mm(cls, value: Any) -> Any:
        if isinstance(value, str) and value.count(":") == 1:
            return value + ":00"
        return value


class HealthSettings(BaseModel):
    """The health and metrics HTTP endpoint and the dashboard pages (`BIDDAEMON_HEALTH__*`).

    `dashboard_token` guards the pages (a bearer token, or a login that sets a cookie); it is
    required when `host` is anything but loopback. `/healthz` and `/metrics` never need it.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_HEALTH_PORT, ge=0, le=65535)
    dashboard_token: SecretStr | None = None

    @field_validator("dashboard_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < DASHBOARD_TOKEN_MIN_LENGTH:
            raise ValueError(
                f"must be at least {DASHBOARD_TOKEN_MIN_LENGTH} characters (e.g. the output of "
                "`openssl rand -hex 24`)"
            )
        return value

    def dashboard_problems(self, host: str | None = None) -> dict[str, str]:
        """Why the pages may not be served on `host` (default: `self.host`), by variable."""
        host = self.host if host is None else host
        if self.dashboard_token is None and not is_loopback_host(host):
            return {
                f"{ENV_PREFIX}HEALTH__DASHBOARD_TOKEN": f"required to serve the dashboard on "
                f"{host or 'every address'}, which is not loopback: set a token (e.g. "
                "`openssl rand -hex 24`) or bind to 127.0.0.1"
            }
        return {}


class NotifySettings(BaseModel):
    """Where outcome and rejection notices go (`BIDDAEMON_NOTIFY__*`); nowhere when unset."""

    webhook_url: str | None = None
    webhook_token: SecretStr | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=12, ge=1, le=100)

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook(cls, value: str | None) -> str | None:
        return _check_market_url(value) if value else None


BUILTIN_STRATEGIES = ("guide-price", "fixed-price", "portfolio")
_STRATEGY_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_Price = Annotated[Decimal, Field(gt=0, decimal_places=2)]
_PriceFloor = Annotated[Decimal, Field(ge=Decimal("0.01"), decimal_places=2)]


class StrategySettings(BaseModel):
    """How bids are priced and sized (`BIDDAEMON_STRATEGY__*`); see biddaemon/strategy/.

    `name` is a built-in (`guide-price`, `fixed-price`, `portfolio`) or an import path
    `package.module:Class`.
    Guide-price bids `price_fraction` of each guide price, never below the rate's floor; both
    built-ins offer the lesser of `capacity_required` and the qualified capacity times
    `derating_factor`. Fixed-price bids the `*_price` of each rate. `allow_overbooking` lets the
    engine promise an asset's capacity in overlapping windows of different competitions.
    Portfolio offers split bids at `portfolio_price_levels` (fractions of the guide price, each
    at least the rate's floor) from one linear programme per cycle, solved within
    `portfolio_time_limit_seconds` (else guide-price for that cycle).
    `options` (`BIDDAEMON_STRATEGY__OPTIONS__<KEY>`) is passed as is to a user strategy.
    """

    model_config = ConfigDict(frozen=True)

    name: str = "guide-price"
    price_fraction: Decimal = Field(default=Decimal("0.95"), gt=0, le=1)
    availability_floor: _PriceFloor = Decimal("0.01")
    utilisation_floor: _PriceFloor = Decimal("0.01")
    service_fee_floor: _PriceFloor = Decimal("0.01")
    derating_factor: Decimal = Field(default=Decimal("0.90"), gt=0, le=1)
    availability_price: _Price | None = None
    utilisation_price: _Price | None = None
    service_fee_price: _Price | None = None
    allow_overbooking: bool = False
    portfolio_price_levels: str = "0.80,0.90,0.97"
    portfolio_time_limit_seconds: float = Field(default=10.0, gt=0, le=600)
    options: dict[str, str] = Field(default_factory=dict)

    @field_validator("portfolio_price_levels")
    @classmethod
    def _price_levels(cls, value: str) -> str:
        try:
            levels = [Decimal(part.strip()) for part in value.split(",") if part.strip()]
        except ArithmeticError:
            levels = []
        if not levels or not all(level.is_finite() and 0 < level <= 2 for level in levels):
            raise ValueError(
                "must be fractions of the guide price, comma separated, each in (0, 2], "
                "e.g. 0.80,0.90,0.97"
            )
        if len(set(levels)) != len(levels) or len(levels) > 10:
            raise ValueError("must be at most 10 distinct fractions")
        return ",".join(str(level) for level in sorted(levels))

    @property
    def price_levels(self) -> tuple[Decimal, ...]:
        """`portfolio_price_levels` as Decimals, cheapest first."""
        return tuple(Decimal(part) for part in self.portfolio_price_levels.split(","))

    @field_validator("name")
    @classmethod
    def _known_or_import_path(cls, value: str) -> str:
        value = value.strip()
        if value in BUILTIN_STRATEGIES or _STRATEGY_IMPORT_PATH.match(value):
            return value
        raise ValueError(
            f"must be {' or '.join(BUILTIN_STRATEGIES)}, or an import path such as "
            "package.module:ClassName"
        )


class _InventoryPlatformSettings(BaseModel):
    """Timeouts and retries every inventory platform client takes."""

    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_retry_seconds: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("base_url", check_fields=False)
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return _check_market_url(value)


class InventoryPicloSettings(BaseModel):
    """Piclo Flex as an inventory target; where and who it is come from `BIDDAEMON_PICLO__*`."""

    enabled: bool = False


class LocalFlexSettings(_InventoryPlatformSettings):
    """EPEX LocalFlex as an inventory target (`BIDDAEMON_INVENTORY__LOCALFLEX__*`)."""

    enabled: bool = False
    base_url: str = "https://api.localflex.co.uk"
    token: SecretStr | None = None


class FlatpeakSettings(_InventoryPlatformSettings):
    """Flatpeak as an inventory target or source (`BIDDAEMON_INVENTORY__FLATPEAK__*`)."""

    enabled: bool = False
    base_url: str = "https://api.flatpeak.com"
    account_id: str | None = None
    api_key: SecretStr | None = None


class TensorSettings(_InventoryPlatformSettings):
    """Tensor Energy, a read-only inventory source (`BIDDAEMON_INVENTORY__TENSOR__*`)."""

    base_url: str = "https://api.tensorenergy.jp/v1"
    api_key: SecretStr | None = None


InventorySource = Literal["tensor", "flatpeak"]


class InventorySettings(BaseModel):
    """The fleet inventory and the platforms it is mirrored to (`BIDDAEMON_INVENTORY__*`).

    `sources` is a comma-separated list (or JSON array) of asset systems imported and merged
    with the file by reference. The scheduled sync holds back changes that would reset an
    asset's approval on LocalFlex unless `allow_approval_reset` is true.
    """

    path: Path | None = None
    sources: Annotated[list[InventorySource], NoDecode] = Field(default_factory=list)
    allow_approval_reset: bool = False
    sync_interval_seconds: int = Field(default=24 * 3600, ge=300)
    piclo: InventoryPicloSettings = InventoryPicloSettings()
    localflex: LocalFlexSettings = LocalFlexSettings()
    flatpeak: FlatpeakSettings = FlatpeakSettings()
    tensor: TensorSettings = TensorSettings()

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a source is listed twice")
        return value

    @property
    def configured(self) -> bool:
        """Whether there is an inventory to sync at all (a file or a source)."""
        return self.path is not None or bool(self.sources)


class Settings(BaseSettings):
    """The effective configuration of one biddaemon process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    database_url: str | None = None
    dry_run: bool = False
    auto_migrate: bool = False
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    safety_margin_minutes: int = Field(default=15, ge=0, le=24 * 60)
    piclo: PicloSettings = PicloSettings()
    poll: PollSettings = PollSettings()
    health: HealthSettings = HealthSettings()
    notify: NotifySettings = NotifySettings()
    strategy: StrategySettings = StrategySettings()
    inventory: InventorySettings = InventorySettings()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @model_validator(mode="after")
    def _polite_polling(self) -> Settings:
        interval = self.poll.opportunities_interval_seconds
        if interval < MARKET_MIN_POLL_SECONDS and not is_loopback_url(self.piclo.base_url):
            raise ValueError(
                f"{ENV_PREFIX}POLL__OPPORTUNITIES_INTERVAL_SECONDS: {interval} s is under one "
                f"hour, which the market at {self.piclo.base_url} does not allow (minimum "
                f"{MARKET_MIN_POLL_SECONDS}; shorter intervals only against a loopback sandbox)"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the working directory (its own for dry runs)."""
        if self.database_url:
            return self.database_url
        name = DEFAULT_DRY_RUN_DATABASE_FILE if self.dry_run else DEFAULT_DATABASE_FILE
        return f"sqlite:///{Path.cwd() / name}"

    @property
    def safety_margin(self) -> timedelta:
        return timedelta(minutes=self.safety_margin_minutes)

    def secret_values(self) -> list[str]:
        """Every configured secret, for the log redaction processor."""
        secrets: list[str] = []
        for value in _walk_secrets(self):
            if value:
                secrets.append(value)
        url_password = urlsplit(self.effective_database_url).password
        if url_password:
            secrets.append(url_password)
        return secrets

    def market_credential_problems(self) -> dict[str, str]:
        """Every missing Piclo credential, by variable name."""
        why = "required to talk to the market"
        key = self.piclo.api_key.get_secret_value() if self.piclo.api_key else ""
        wanted = {"CLIENT_ID": self.piclo.client_id, "API_KEY": key}
        wanted["PROVIDER_ID"] = self.piclo.provider_id
        return {f"{ENV_PREFIX}PICLO__{name}": why for name, value in wanted.items() if not value}

    def require_market_credentials(self) -> None:
        """Raise one ConfigurationError naming every missing Piclo credential."""
        missing = self.market_credential_problems()
        if missing:
            raise ConfigurationError(missing)


def _walk_secrets(model: BaseModel) -> list[str]:
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(_walk_secrets(value))
    return found


def env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable for a pydantic error location: ('piclo', 'api_key') -> name."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ENV_PREFIX + NESTED_DELIMITER.join(parts).upper() if parts else "settings"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; every problem, unknown names included, is one error."""
    problems = unknown_variables(
        Settings,
        prefix=ENV_PREFIX,
        delimiter=NESTED_DELIMITER,
        environ=os.environ,
        env_file=Path(ENV_FILE),
    )
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            message = str(error["msg"]).removeprefix("Value error, ")
            name = env_name(tuple(error["loc"]))
            if not error["loc"] and message.startswith(ENV_PREFIX):
                # Cross-field checks name their variable themselves: "BIDDAEMON_X: problem".
                name, _, message = message.partition(": ")
            problems[name] = f"{problems[name]}; {message}" if name in problems else message
    if problems:
        raise ConfigurationError(problems) from None
    return settings


def iter_effective(settings: Settings) -> list[tuple[str, str]]:
    """(variable, value) for every setting, secrets shown as `**********`."""
    rows: list[tuple[str, str]] = []

    def walk(model: BaseModel, prefix: tuple[str, ...]) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            loc = (*prefix, name)
            if isinstance(value, BaseModel):
                walk(value, loc)
                continue
            if isinstance(value, SecretStr):
                shown = "**********" if value.get_secret_value() else ""
            elif value is None:
                shown = ""
            elif isinstance(value, bool):
                shown = str(value).lower()
            elif name.endswith("_url"):
                shown = redact_url(str(value))
            else:
                shown = str(value)
            rows.append((env_name(loc), shown))

    walk(settings, ())
    rows.append(("(effective database)", redact_url(settings.effective_database_url)))
    return rows


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
