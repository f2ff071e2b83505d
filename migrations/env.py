"""Alembic environment: uses the engine biddaemon hands over, or the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from biddaemon.store.database import make_engine
from biddaemon.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from biddaemon.settings import load_settings

    return make_engine(load_settings().effective_database_url)


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
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
