"""Alembic, driven from code: upgrade, downgrade, and the check that the schema is current.

The check compares `store.schema_version`'s plain reading with its `HEAD_REVISION`; Alembic is
imported only inside the functions that change a schema, so a start on a current database never
loads it.

Migrations live in the repository's `migrations/` folder; the wheel carries the same folder as
`biddaemon/_migrations`, so an installed biddaemon can migrate without the source tree.

Every upgrade or downgrade is one transaction on both databases (see `make_migration_engine`),
so a kill at any moment leaves the schema it started from. Callers that migrate at start hold
the instance lock first (`ensure_current`'s `exclusive`), so two starting processes never
migrate at once; the database's own write lock is a second guard (`serialize_migrators`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from biddaemon.errors import SchemaNotCurrent
from biddaemon.logs import get_logger
from biddaemon.store import schema_version
from biddaemon.store.database import make_engine, make_migration_engine, reachable
from biddaemon.store.schema_version import current_revision as current_revision

if TYPE_CHECKING:  # Alembic itself is imported only to migrate (see store.schema_version)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = get_logger(__name__)

Exclusive = Callable[[Engine], AbstractContextManager[object]]

# Held for one migration transaction on PostgreSQL; not the instance lock's key, which the
# migrating process itself already holds on another connection.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"biddaemon-migrate").digest()[:8], "big") >> 1

# What a database says when a migration finds its own work already done.
_ALREADY_THERE = re.compile(r"already exists|duplicate column|duplicate key name", re.IGNORECASE)


class HalfAppliedSchema(SchemaNotCurrent):
    """The schema holds part of a revision its alembic_version does not record (exit 2).

    Only a migration interrupted outside a transaction (biddaemon before it ran SQLite
    migrations transactionally, or a hand edit) leaves this; `biddaemon db repair` removes the
    empty leftovers and upgrades.
    """


def migrations_dir() -> Path:
    package_root = Path(__file__).resolve().parent.parent
    for candidate in (package_root / "_migrations", package_root.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("biddaemon's migrations folder is missing from this installation")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    config.attributes["configure_logging"] = False
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir()))


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:
        raise FileNotFoundError("no migrations found")
    return head


def next_revision(current: str | None) -> str | None:
    """The revision an upgrade from `current` applies first (None when at head)."""
    steps = list(script_directory().iterate_revisions("head", current or "base"))
    return steps[-1].revision if steps else None


def serialize_migrators(connection: Connection) -> None:
    """Make a second migrator wait for the first one's transaction (SQLite: BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def check_before_commit(connection: Connection) -> None:
    """Refuse to commit a SQLite migration that left a reference dangling (keys were off)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise SchemaNotCurrent(
            f"the migration would leave {len(broken)} rows referring to missing rows "
            f"(tables {', '.join(tables)}); nothing was changed"
        )


def _run(engine: Engine, action: Callable[[Config], None]) -> None:
    """`action` on Alembic's configuration for `engine`, on a migration engine of its own."""
    migrator = make_migration_engine(engine.url)
    try:
        action(alembic_config(migrator))
    finally:
        migrator.dispose()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction; a half-applied schema is named."""
    from alembic import command

    before = current_revision(engine)
    try:
        _run(engine, lambda config: command.upgrade(config, revision))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if not _ALREADY_THERE.search(reason):
            raise
        raise half_applied(engine, before, reason) from None
    log.info("database upgraded", from_revision=before, to_revision=current_revision(engine))


def half_applied(engine: Engine, current: str | None, reason: str) -> HalfAppliedSchema:
    url = engine.url.render_as_string(hide_password=True)
    stamped = f"revision {current}" if current else "no revision"
    return HalfAppliedSchema(
        f"the database {url} holds part of schema revision {next_revision(current)} "
        f"but records {stamped} ({reason}): a migration was interrupted before biddaemon "
        "ran migrations in one transaction. Stop every biddaemon on it and run "
        "`biddaemon db repair` (it removes the interrupted migration's empty leftovers, "
        "then upgrades); nothing was changed"
    )


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    before = current_revision(engine)
    _run(engine, lambda config: command.downgrade(config, revision))
    log.info("database downgraded", from_revision=before, to_revision=current_revision(engine))


def ensure_current(
    engine: Engine, *, auto_migrate: bool, exclusive: Exclusive | None = None
) -> None:
    """Refuse a database whose schema is not this code's head, or migrate it when allowed.

    `exclusive` is entered around the migration (the instance lock: callers that already hold
    it pass None); the revision is read again inside, as another process may have migrated.
    """
    current, head = current_revision(engine), schema_version.HEAD_REVISION
    if current == head:
        return
    if auto_migrate:
        if exclusive is None:
            upgrade(engine)
            return
        with exclusive(engine):
            if current_revision(engine) != head:
                upgrade(engine)
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        state = "has no biddaemon schema yet"
    else:
        state = f"is at schema revision {current}, this biddaemon needs {head}"
    raise SchemaNotCurrent(
        f"the database {url} {state}: run `biddaemon db upgrade` "
        "(or set BIDDAEMON_AUTO_MIGRATE=true to migrate at start)"
    )


def connect(
    url: str,
    *,
    auto_migrate: bool,
    require_schema: bool = True,
    exclusive: Exclusive | None = None,
) -> Engine:
    """An engine for `url`; with `require_schema`, a current schema (or a clear refusal)."""
    engine = make_engine(url)
    if require_schema:
        with reachable(engine):
            ensure_current(engine, auto_migrate=auto_migrate, exclusive=exclusive)
    return engine
