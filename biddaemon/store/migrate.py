"""Alembic, driven from code: upgrade and downgrade (the check that a schema is current, which
needs no Alembic, is `store.schema_version`'s, and is re-exported here).

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
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from biddaemon.errors import SchemaNotCurrent
from biddaemon.logs import get_logger
from biddaemon.store.database import make_migration_engine
from biddaemon.store.schema_version import Exclusive as Exclusive
from biddaemon.store.schema_version import connect as connect
from biddaemon.store.schema_version import current_revision as current_revision
from biddaemon.store.schema_version import ensure_current as ensure_current

log = get_logger(__name__)

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
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    config.attributes["configure_logging"] = False
    return config


def script_directory() -> ScriptDirectory:
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
    migrator = make_migration_engine(engine.url)
    try:
        action(alembic_config(migrator))
    finally:
        migrator.dispose()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction; a half-applied schema is named."""
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
    before = current_revision(engine)
    _run(engine, lambda config: command.downgrade(config, revision))
    log.info("database downgraded", from_revision=before, to_revision=current_revision(engine))
