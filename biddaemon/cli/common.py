"""What every command does first: read and check settings, configure logging, open the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from biddaemon.cli.database_checks import DatabaseUse, create_folder, database_problems
from biddaemon.errors import ConfigurationError

if TYPE_CHECKING:  # imported by the functions: `--help` loads neither pydantic nor SQLAlchemy
    from sqlalchemy import Engine

    from biddaemon.settings import Settings

Requirement = Callable[["Settings"], dict[str, str]]


def prepare(
    *,
    log: bool = True,
    database: DatabaseUse | None = None,
    create_dirs: bool = False,
    needs: Iterable[Requirement] = (),
) -> Settings:
    """Load settings and check everything the command needs, raising one ConfigurationError.

    `database` says how the command uses the database; `needs` are further checks (market
    credentials, the inventory...). All run before the command takes a lock or records a job.
    """
    from biddaemon.settings import load_settings

    settings = load_settings()
    problems: dict[str, str] = {}
    if database is not None:
        problems.update(database_problems(settings, database, create_dirs=create_dirs))
    for requirement in needs:
        problems.update(requirement(settings))
    if problems:
        raise ConfigurationError(problems)
    if database is DatabaseUse.CREATE and create_dirs:
        create_folder(settings)
    if log:
        from biddaemon.logs import configure_logging

        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
        )
    return settings


def market_credentials(settings: Settings) -> dict[str, str]:
    """The Piclo Flex client id, key and provider id (every market command needs them)."""
    return settings.market_credential_problems()


def dashboard_token(settings: Settings) -> dict[str, str]:
    """A token for the pages when the health server binds beyond loopback."""
    return settings.health.dashboard_problems()


def inventory_configuration(settings: Settings) -> dict[str, str]:
    """What the inventory (assets) job needs: a file or source, and each platform's credentials."""
    from biddaemon.inventory.connect import check_configuration

    try:
        check_configuration(settings)
    except ConfigurationError as exc:
        return exc.problems
    return {}


def configured_inventory(settings: Settings) -> dict[str, str]:
    """The inventory job's needs, when an inventory is configured (`run` syncs it then)."""
    return inventory_configuration(settings) if settings.inventory.configured else {}


def open_engine(settings: Settings, *, require_schema: bool = True) -> Engine:
    """The configured database; with `require_schema`, refuse (or auto-migrate) an old schema.

    An auto-migration takes the instance lock first, so it never runs beside an active daemon
    or another starting command.
    """
    from biddaemon.daemon.instance import holding
    from biddaemon.store.migrate import connect

    return connect(
        settings.effective_database_url,
        auto_migrate=settings.auto_migrate,
        require_schema=require_schema,
        exclusive=holding,
    )
