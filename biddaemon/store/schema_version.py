"""Which schema revision a database holds, read with plain SQL: no Alembic needed.

Every start checks the schema, and nearly always finds it current. Alembic (with Mako and its
dialect modules: about 10 MB of a daemon's memory, held for the process's life once imported) is
needed only to change a schema, so `store.migrate` compares this reading with `HEAD_REVISION`
and imports Alembic only when there is something to migrate.
`tests/store/test_schema_version.py` keeps `HEAD_REVISION` equal to the migrations' head.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Engine, inspect, text

from biddaemon.errors import SchemaNotCurrent

HEAD_REVISION: Final = "0005"
"""The newest migration in `migrations/versions/` (a test fails when one is added without it)."""

VERSION_TABLE: Final = "alembic_version"


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
