"""Alembic environment: every yiwang table, on the URL the caller configured."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from api.wiring import register_tables_and_jobs
from engine.db import Base, make_db_engine

register_tables_and_jobs()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    db_engine = make_db_engine(url, poolclass=pool.NullPool)
    with db_engine.connect() as connection:
        _run(connection)
    db_engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
