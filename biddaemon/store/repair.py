"""`biddaemon db repair`: undo what an interrupted, non-transactional migration left behind.

Migrations are now one transaction each run, but a database migrated by an older biddaemon
may hold part of the next revision (tables, columns or indexes it creates) without
alembic_version saying so, or a `_alembic_tmp_*` table from batch mode. The schema each
revision expects is learnt by migrating a scratch SQLite database, never guessed. Leftovers are
removed only while they are empty (a dropped column or table must not lose data), in one
transaction, and the database is then upgraded normally.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from biddaemon.store import migrate
from biddaemon.store.database import make_engine, make_migration_engine

BATCH_PREFIX = "_alembic_tmp_"


@dataclass
class Schema:
    columns: dict[str, set[str]] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)  # index name -> table


@dataclass
class Leftovers:
    tables: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        return (
            [f"index {name}" for name in self.indexes]
            + [f"column {table}.{column}" for table, column in self.columns]
            + [f"table {name}" for name in self.tables]
        )


def schema_of(engine: Engine) -> Schema:
    inspector = inspect(engine)
    schema = Schema()
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        schema.columns[table] = {c["name"] for c in inspector.get_columns(table)}
        for index in inspector.get_indexes(table):
            if index["name"]:
                schema.indexes[index["name"]] = table
    return schema


def schema_at(revision: str | None) -> Schema:
    """The schema `revision` creates, read from a scratch SQLite database migrated to it."""
    if revision is None:
        return Schema()
    with tempfile.TemporaryDirectory(prefix="biddaemon-repair-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            migrate.upgrade(engine, revision)
            return schema_of(engine)
        finally:
            engine.dispose()


def find_leftovers(engine: Engine) -> Leftovers:
    """What the next revision creates that is already there, and batch mode's temporary tables."""
    current = migrate.current_revision(engine)
    actual = schema_of(engine)
    found = Leftovers(tables=sorted(t for t in actual.columns if t.startswith(BATCH_PREFIX)))
    following = migrate.next_revision(current)
    if following is None:
        return found
    before, after = schema_at(current), schema_at(following)
    for table, columns in after.columns.items():
        if table not in actual.columns:
            continue
        if table not in before.columns:
            found.tables.append(table)
            continue
        new = sorted(columns - before.columns[table])
        found.columns += [(table, c) for c in new if c in actual.columns[table]]
    found.indexes = sorted(
        name
        for name in set(after.indexes) - set(before.indexes)
        if name in actual.indexes and actual.indexes[name] not in found.tables
    )
    return found


def _holding_data(engine: Engine, leftovers: Leftovers) -> list[str]:
    full: list[str] = []
    with engine.connect() as connection:
        for table in leftovers.tables:
            if table.startswith(BATCH_PREFIX):
                original = table.removeprefix(BATCH_PREFIX)
                if original not in inspect(connection).get_table_names():
                    full.append(f"table {table} (the only copy of {original}'s rows)")
                continue
            count = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - a name reflected, not typed
            if connection.execute(text(count)).scalar_one():
                full.append(f"table {table}")
        for table, column in leftovers.columns:
            count = f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL'  # noqa: S608
            filled = connection.execute(text(count)).scalar_one()
            if filled:
                full.append(f"column {table}.{column}")
    return full


def repair(engine: Engine) -> list[str]:
    """Remove the empty leftovers in one transaction, then upgrade; returns what was removed.

    Raises HalfAppliedSchema, changing nothing, when a leftover holds data. The caller holds
    the instance lock.
    """
    leftovers = find_leftovers(engine)
    full = _holding_data(engine, leftovers)
    if full:
        url = engine.url.render_as_string(hide_password=True)
        raise migrate.HalfAppliedSchema(
            f"the database {url} has leftovers of an interrupted migration that hold data "
            f"({', '.join(full)}); nothing was changed: restore a backup, or move the data "
            "and drop them by hand, then run `biddaemon db upgrade`"
        )
    migrator = make_migration_engine(engine.url)
    try:
        with migrator.begin() as connection:
            for index in leftovers.indexes:
                connection.execute(text(f'DROP INDEX "{index}"'))
            for table, column in leftovers.columns:
                connection.execute(text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))
            for table in leftovers.tables:
                connection.execute(text(f'DROP TABLE "{table}"'))
    finally:
        migrator.dispose()
    migrate.upgrade(engine)
    return leftovers.describe()
