"""What every command does first: read settings, configure logging, open the database."""

from __future__ import annotations

from sqlalchemy import Engine

from biddaemon.daemon.instance import holding
from biddaemon.logs import configure_logging
from biddaemon.settings import Settings, load_settings
from biddaemon.store.migrate import connect


def prepare(*, log: bool = True) -> Settings:
    """Load and validate settings (raising one ConfigurationError), then configure logging."""
    settings = load_settings()
    if log:
        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
        )
    return settings


def open_engine(settings: Settings, *, require_schema: bool = True) -> Engine:
    """The configured database; with `require_schema`, refuse (or auto-migrate) an old schema.

    An auto-migration takes the instance lock first, so it never runs beside an active daemon
    or another starting command.
    """
    return connect(
        settings.effective_database_url,
        auto_migrate=settings.auto_migrate,
        require_schema=require_schema,
        exclusive=holding,
    )
