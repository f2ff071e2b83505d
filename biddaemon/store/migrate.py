"""Alembic, driven from code: upgrade, downgrade, and the check that the schema is current.

Migrations live in the repository's `migrations/` folder; the wheel carries the same folder as
`biddaemon/_migrations`, so an installed biddaemon can migrate without the source tree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from biddaemon.errors import SchemaNotCurrent
from biddaemon.logs import get_logger
from biddaemon.store.database import make_engine, reachable

log = get_logger(__name__)


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


def head_revision() -> str:
    script = ScriptDirectory(str(migrations_dir()))
    head = script.get_current_head()
    if head is None:
        raise FileNotFoundError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    log.info("database upgraded", from_revision=before, to_revision=current_revision(engine))


def downgrade(engine: Engine, revision: str) -> None:
    before = current_revision(engine)
    command.downgrade(alembic_config(engine), revision)
    log.info("database downgraded", from_revision=before, to_revision=current_revision(engine))


def ensure_current(engine: Engine, *, auto_migrate: bool) -> None:
    """Refuse a database whose schema is not this code's head, or migrate it when allowed."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if auto_migrate:
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


def connect(url: str, *, auto_migrate: bool, require_schema: bool = True) -> Engine:
    """An engine for `url`; with `require_schema`, a current schema (or a clear refusal)."""
    engine = make_engine(url)
    if require_schema:
        with reachable(engine):
            ensure_current(engine, auto_migrate=auto_migrate)
    return engine
