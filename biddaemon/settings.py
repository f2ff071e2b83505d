"""All configuration, read from `BIDDAEMON_*` environment variables (nested with `__`) or `.env`.

This is the only place settings are defined and validated. `load_settings()` turns every
problem into one `ConfigurationError` naming each variable, so an operator fixes them all at once.
"""

from __future__ import annotations

import ipaddress
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from biddaemon.errors import ConfigurationError

ENV_PREFIX = "BIDDAEMON_"
NESTED_DELIMITER = "__"
DEFAULT_DATABASE_FILE = "biddaemon.db"
DEFAULT_DRY_RUN_DATABASE_FILE = "biddaemon-dry-run.db"
MARKET_MIN_POLL_SECONDS = 3600
DEFAULT_HEALTH_PORT = 9317


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
            "use https:// for a real market"
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
    """The health and metrics HTTP endpoint (`BIDDAEMON_HEALTH__*`)."""

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_HEALTH_PORT, ge=0, le=65535)


class Settings(BaseSettings):
    """The effective configuration of one biddaemon process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        env_file=".env",
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

    def require_market_credentials(self) -> None:
        """Raise one ConfigurationError naming every missing Piclo credential."""
        missing = {}
        if not self.piclo.client_id:
            missing[f"{ENV_PREFIX}PICLO__CLIENT_ID"] = "required to talk to the market"
        if self.piclo.api_key is None or not self.piclo.api_key.get_secret_value():
            missing[f"{ENV_PREFIX}PICLO__API_KEY"] = "required to talk to the market"
        if not self.piclo.provider_id:
            missing[f"{ENV_PREFIX}PICLO__PROVIDER_ID"] = "required to talk to the market"
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
    """Read and validate settings; every problem becomes one ConfigurationError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            message = str(error["msg"]).removeprefix("Value error, ")
            name = env_name(tuple(error["loc"]))
            if not error["loc"] and message.startswith(ENV_PREFIX):
                # Cross-field checks name their variable themselves: "BIDDAEMON_X: problem".
                name, _, message = message.partition(": ")
            problems[name] = f"{problems[name]}; {message}" if name in problems else message
        raise ConfigurationError(problems) from None


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
