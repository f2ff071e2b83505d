"""All configuration, read from `BIDDAEMON_*` environment variables (nested with `__`) or `.env`.

This package is the only place settings are defined and validated. `load_settings()` turns every
problem into one `ConfigurationError` naming each variable, so an operator fixes them all at once.
The strategy's and the inventory's sections, and the URL rules, have modules of their own; every
name is importable from here.
"""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from biddaemon.errors import ConfigurationError
from biddaemon.settings.inventory import FlatpeakSettings as FlatpeakSettings
from biddaemon.settings.inventory import InventoryPicloSettings as InventoryPicloSettings
from biddaemon.settings.inventory import InventorySettings as InventorySettings
from biddaemon.settings.inventory import InventorySource as InventorySource
from biddaemon.settings.inventory import LocalFlexSettings as LocalFlexSettings
from biddaemon.settings.inventory import TensorSettings as TensorSettings
from biddaemon.settings.strategy import BUILTIN_STRATEGIES as BUILTIN_STRATEGIES
from biddaemon.settings.strategy import StrategySettings as StrategySettings
from biddaemon.settings.urls import check_market_url
from biddaemon.settings.urls import is_loopback_host as is_loopback_host
from biddaemon.settings.urls import is_loopback_url as is_loopback_url
from biddaemon.unknown_settings import unknown_variables

ENV_PREFIX = "BIDDAEMON_"
ENV_FILE = ".env"
NESTED_DELIMITER = "__"
DEFAULT_DATABASE_FILE = "biddaemon.db"
DEFAULT_DRY_RUN_DATABASE_FILE = "biddaemon-dry-run.db"
MARKET_MIN_POLL_SECONDS = 3600
DEFAULT_HEALTH_PORT = 9317
DASHBOARD_TOKEN_MIN_LENGTH = 16


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

    _check_base_url = field_validator("base_url")(classmethod(lambda cls, v: check_market_url(v)))


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
        return check_market_url(value) if value else None


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
