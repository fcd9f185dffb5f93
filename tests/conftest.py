"""Fixtures shared by every test layer.

The database is SQLite in a temporary file unless ``YIWANG_TEST_DATABASE_URL``
names a PostgreSQL database (CI runs the suite both ways); on PostgreSQL each test
run gets its own schema and every test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
import pytest
from sqlalchemy import text


def _postgres_url() -> str | None:
    return os.environ.get("YIWANG_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def pg_schema_engine():
    """One PostgreSQL schema for the whole run, dropped at the end."""
    url = _postgres_url()
    if url is None:
        yield None
        return
    from engine.db import Base, make_db_engine
    import engine.models  # noqa: F401
    import forms  # noqa: F401

    try:
        import forms.models  # noqa: F401
    except ImportError:
        pass
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # The schema travels in the URL so that subprocesses (CLI, workers) given
    # str(db_engine.url) land in the same schema.
    sep = "&" if "?" in url else "?"
    db_engine = make_db_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    Base.metadata.create_all(db_engine)
    yield db_engine
    db_engine.dispose()
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_engine(tmp_path, pg_schema_engine):
    """A SQLAlchemy engine on an empty database with every table created."""
    from engine.db import Base, make_db_engine
    import engine.models  # noqa: F401

    try:
        import forms.models  # noqa: F401
    except ImportError:
        pass
    if pg_schema_engine is not None:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with pg_schema_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield pg_schema_engine
        return
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    Base.metadata.create_all(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def make_env(db_engine):
    """Build EngineEnvs on the test database (several = several processes sharing it)."""
    from engine.config import EngineConfig
    from engine.environment import EngineEnv

    made = []

    def build(**config):
        env = EngineEnv(EngineConfig(**config), db_engine=db_engine)
        made.append(env)
        return env

    yield build
    for env in made:
        env.dispatcher.close()


@pytest.fixture
def env(make_env):
    return make_env()
