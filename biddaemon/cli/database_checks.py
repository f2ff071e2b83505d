"""Before a command touches the database: is the URL usable, and may this command create it?

Read-only commands (`status`, `history`, `db current`, `assets apply`'s records...) never create
anything: a mistyped path must not become a fresh, empty database that silently "works". Only
`db upgrade`, `run`, `once` and `demo` may create a SQLite file, and only in a folder that exists
unless the user passes `--create-dirs`. Problems are returned by variable name, so they join the
other configuration problems in one message (exit 2).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from biddaemon.settings import Settings

ENV_PREFIX = "BIDDAEMON_"  # biddaemon.settings.ENV_PREFIX (a test checks): that module is heavy

URL_VARIABLE = f"{ENV_PREFIX}DATABASE_URL"
EXAMPLE_URLS = "sqlite:////var/lib/biddaemon/biddaemon.db or postgresql+psycopg://user@host/db"


class DatabaseUse(StrEnum):
    """What a command does with the database."""

    READ = "read"  # it must exist already
    CREATE = "create"  # it may be created (a new SQLite file in an existing folder)


_SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?://(?:/(?P<path>[^?]*))?(?:\?(?P<query>.*))?$")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for PostgreSQL; ValueError for in-memory or bad URLs.

    SQLite URLs are read here without SQLAlchemy, which `config` should not pay to import.
    """
    if url.startswith("sqlite"):
        match = _SQLITE_URL.match(url)
        if match is None:
            raise ValueError(f"is not a SQLite URL; use {EXAMPLE_URLS}")
        database = match["path"] or ""
        query = parse_qs(match["query"] or "")
        if database in ("", ":memory:") or query.get("mode") == ["memory"]:
            raise ValueError(
                "is an in-memory SQLite database, which is gone when the command exits: "
                "give a file, e.g. sqlite:////var/lib/biddaemon/biddaemon.db"
            )
        return None if query.get("uri") == ["true"] else Path(database)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"is not a database URL ({exc}); use {EXAMPLE_URLS}") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend != "postgresql":
        raise ValueError(f"names a {backend!r} database; use {EXAMPLE_URLS}")
    if driver != "psycopg":
        raise ValueError(f"names the driver {driver!r}: write postgresql+psycopg://...")
    return None


def database_problems(
    settings: Settings, use: DatabaseUse, *, create_dirs: bool = False
) -> dict[str, str]:
    """What is wrong with the configured database for `use` (empty: go ahead)."""
    url = settings.effective_database_url
    default = "" if settings.database_url else f" (the default: {URL_VARIABLE} is not set)"
    try:
        path = sqlite_path(url)
    except ValueError as exc:
        return {URL_VARIABLE: str(exc)}
    if path is None:
        return {}  # PostgreSQL: whether it answers is for the connection to say
    if path.is_dir():
        return {URL_VARIABLE: f"{path} is a folder, not a database file{default}"}
    if path.exists():
        return {}
    if use is DatabaseUse.READ:
        return {
            URL_VARIABLE: f"there is no database at {path}{default}: check the path, or create "
            "it with `biddaemon db upgrade`"
        }
    folder = path.parent
    if not folder.is_dir() and not create_dirs:
        return {
            URL_VARIABLE: f"the folder {folder} does not exist{default}: check the path, create "
            "the folder, or pass --create-dirs"
        }
    return {}


def create_folder(settings: Settings) -> None:
    """Create the SQLite file's folder (for `--create-dirs`, after every check passed)."""
    path = sqlite_path(settings.effective_database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
