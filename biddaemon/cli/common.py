"""What every command does first: read settings, configure logging, open the database."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from biddaemon.errors import RetryLater
from biddaemon.logs import configure_logging
from biddaemon.settings import Settings, load_settings
from biddaemon.store.database import make_engine
from biddaemon.store.migrate import ensure_current


class DatabaseUnavailable(RetryLater):
    """The database could not be reached; the command could not run (exit 1)."""

    def __init__(self, engine: Engine, cause: Exception) -> None:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(cause, "orig", cause)).strip().splitlines()[0]
        super().__init__(f"cannot reach the database {url}: {reason}")


def prepare(*, log: bool = True) -> Settings:
    """Load and validate settings (raising one ConfigurationError), then configure logging."""
    settings = load_settings()
    if log:
        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
        )
    return settings


def open_engine(settings: Settings, *, require_schema: bool = True) -> Engine:
    """The configured database; with `require_schema`, refuse (or auto-migrate) an old schema."""
    engine = make_engine(settings.effective_database_url)
    if require_schema:
        try:
            ensure_current(engine, auto_migrate=settings.auto_migrate)
        except OperationalError as exc:
            raise DatabaseUnavailable(engine, exc) from None
    return engine
