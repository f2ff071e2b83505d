"""Which schema revision a database holds, and whether it is this code's: no Alembic needed.

Every start checks the schema, and nearly always finds it current. Alembic (with Mako and its
dialect modules: about 10 MB of a daemon's memory, held for the process's life once imported) is
needed only to change a schema, so the check reads `alembic_version` with plain SQL against
`HEAD_REVISION`, and `store.migrate` is imported only when there is something to migrate.
`tests/store/test_schema_version.py` keeps `HEAD_REVISION` equal to the migrations' head.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Final

from sqlalchemy import Engine, inspect, text

from biddaemon.errors import SchemaNotCurrent
from biddaemon.store.database import make_engine, reachable

HEAD_REVISION: Final = "0005"
"""The newest migration in `migrations/versions/` (a test fails when one is added without it)."""

VERSION_TABLE: Final = "alembic_version"

Exclusive = Callable[[Engine], AbstractContextManager[object]]


def current_revision(engine: Engine) -> str | None:
    """The revision `alembic_version` records, or None for a database with no schema yet."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) > 1:
        found = ", ".join(sorted(str(row[0]) for row in rows))
        raise SchemaNotCurrent(
            f"the database records several schema revisions ({found}); biddaemon's migrations "
            "have one line of history, so this database was changed by hand"
        )
    return str(rows[0][0]) if rows else None


def ensure_current(
    engine: Engine, *, auto_migrate: bool, exclusive: Exclusive | None = None
) -> None:
    """Refuse a database whose schema is not this code's head, or migrate it when allowed.

    `exclusive` is entered around the migration (the instance lock: callers that already hold
    it pass None); the revision is read again inside, as another process may have migrated.
    """
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return
    if auto_migrate:
        from biddaemon.store import migrate  # Alembic, only when there is something to do

        if exclusive is None:
            migrate.upgrade(engine)
            return
        with exclusive(engine):
            if current_revision(engine) != HEAD_REVISION:
                migrate.upgrade(engine)
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        state = "has no biddaemon schema yet"
    else:
        state = f"is at schema revision {current}, this biddaemon needs {HEAD_REVISION}"
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
