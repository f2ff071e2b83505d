"""What every command does first: read settings, configure logging, open the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the functions: `config` needs neither SQLAlchemy nor structlog
    from sqlalchemy import Engine

    from biddaemon.settings import Settings


def prepare(*, log: bool = True) -> Settings:
    """Load and validate settings (raising one ConfigurationError), then configure logging."""
    from biddaemon.settings import load_settings

    settings = load_settings()
    if log:
        from biddaemon.logs import configure_logging

        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
        )
    return settings


def open_engine(settings: Settings, *, require_schema: bool = True) -> Engine:
    """The configured database; with `require_schema`, refuse (or auto-migrate) an old schema."""
    from biddaemon.store.migrate import connect

    return connect(
        settings.effective_database_url,
        auto_migrate=settings.auto_migrate,
        require_schema=require_schema,
    )
