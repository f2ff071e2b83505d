"""Alembic environment: uses the engine biddaemon hands over, or the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from biddaemon.store.database import make_migration_engine
from biddaemon.store.migrate import check_before_commit, serialize_migrators
from biddaemon.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from biddaemon.settings import load_settings

    return make_migration_engine(load_settings().effective_database_url)


def run_migrations_offline() -> None:
    from biddaemon.settings import load_settings

    context.configure(
        url=load_settings().effective_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """The whole upgrade (every step and the alembic_version row) in one transaction.

    The transaction is ours, begun before Alembic reads the current revision, so Alembic runs
    inside it and commits nothing itself; `transactional_ddl` tells it SQLite's DDL is
    transactional here (the engine from `make_migration_engine` sees to that). A kill at any
    moment leaves the schema as it was before the command.
    """
    engine = _engine()
    with engine.connect() as connection, connection.begin():
        serialize_migrators(connection)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transactional_ddl=True,
        )
        context.run_migrations()
        check_before_commit(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
