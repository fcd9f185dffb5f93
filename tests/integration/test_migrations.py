"""Schema changes go through Alembic: the revisions build exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from api.schema import head_revision, upgrade
from api.wiring import register_tables_and_jobs
from engine.db import Base, make_db_engine


def test_the_migrations_build_the_schema_the_models_declare(tmp_path, db_engine):
    register_tables_and_jobs()
    if db_engine.dialect.name == "postgresql":
        base = db_engine.url.render_as_string(hide_password=False).split("?")[0]
        admin = make_db_engine(base)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS yiwang_migrations CASCADE"))
            conn.execute(text("CREATE SCHEMA yiwang_migrations"))
        admin.dispose()
        url = f"{base}?options=-csearch_path%3Dyiwang_migrations"
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    upgrade(url)
    migrated = make_db_engine(url)
    try:
        with migrated.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diffs == [], "models changed without an Alembic revision: run `yiwang db revision -m ...`"
    finally:
        migrated.dispose()


def test_a_database_at_another_revision_stops_start_up_with_the_fix(tmp_path):
    import pytest
    from sqlalchemy import text as sql

    from api.schema import SchemaOutOfDate, ensure_schema

    register_tables_and_jobs()
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    ensure_schema(db_engine, Base.metadata)  # new database: created and stamped
    ensure_schema(db_engine, Base.metadata)  # at head: nothing to do
    with db_engine.begin() as conn:
        conn.execute(sql("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaOutOfDate, match="yiwang db upgrade"):
        ensure_schema(db_engine, Base.metadata)
    db_engine.dispose()


def test_yiwang_db_upgrade_builds_a_new_database(tmp_path):
    import os
    import subprocess
    import sys

    from support.paths import REPO

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = subprocess.run([sys.executable, "-m", "api", "--db", url, "db", "upgrade"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"database at revision {head_revision()}" in result.stdout
