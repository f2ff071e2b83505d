"""What every command does first: read settings, configure logging, open the database."""

from __future__ import annotations

from biddaemon.logs import configure_logging
from biddaemon.settings import Settings, load_settings


def prepare(*, log: bool = True) -> Settings:
    """Load and validate settings (raising one ConfigurationError), then configure logging."""
    settings = load_settings()
    if log:
        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
        )
    return settings
