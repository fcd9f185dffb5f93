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
