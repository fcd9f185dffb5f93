"""Database schema changes through Alembic: upgrade, stamp, and new revisions.

``yiwang db upgrade`` brings a database to the latest revision. Every model change
needs a revision (``yiwang db revision -m "what changed"`` writes one from the
models); ``tests/integration/test_migrations.py`` fails when the models and the
revisions disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def new_revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)


class SchemaOutOfDate(RuntimeError):
    """The database was migrated to another revision than this code expects."""


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_schema(db_engine, metadata) -> None:
    """Make a new database ready; refuse to start on one at another revision.

    A database without Alembic's version table (new, or made by an older build) gets
    every table and is stamped at the head revision; one at the head is left alone;
    one at another revision stops start-up with the command that fixes it. On
    PostgreSQL an advisory lock keeps several starting workers from racing.
    """
    with db_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('yiwang-schema'))"))
        current = MigrationContext.configure(conn).get_current_revision()
        head = head_revision()
        if current == head:
            return
        if current is not None:
            raise SchemaOutOfDate(f"the database schema is at revision {current}, this code needs {head}: "
                                  "run `yiwang db upgrade`")
        metadata.create_all(conn)
        config = alembic_config(db_engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = conn
        command.stamp(config, "head")
