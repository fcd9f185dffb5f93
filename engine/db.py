"""SQLAlchemy base shared by every package's models.

Plain SQLAlchemy 2.x: the Flask app binds the same metadata through
Flask-SQLAlchemy (``SQLAlchemy(model_class=Base)``), while the engine, the CLI and
background workers use :func:`make_session_factory` directly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers work while one writer commits; busy_timeout makes a
    # concurrent writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _no_rows(record: logging.LogRecord) -> bool:
    """SQLAlchemy's DEBUG output lists every fetched row: case data, password hashes."""
    return record.msg != "Row %r"


def make_db_engine(url: str, **kwargs) -> Engine:
    """Create a SQLAlchemy engine with the settings this project relies on.

    Statement parameters never appear in error messages (they may hold ID numbers,
    password hashes or tokens, and error messages end up in logs), nor fetched rows
    in the log, whatever its level.
    """
    kwargs.setdefault("hide_parameters", True)
    rows_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if _no_rows not in rows_logger.filters:
        rows_logger.addFilter(_no_rows)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        db_engine = create_engine(url, **kwargs)
        event.listen(db_engine, "connect", _tune_sqlite)
        return db_engine
    kwargs.setdefault("pool_pre_ping", True)
    db_engine = create_engine(url, **kwargs)
    event.listen(db_engine, "after_cursor_execute", _answer_reads_in_pipeline)
    return db_engine


def make_session_factory(db_engine: Engine) -> sessionmaker:
    return sessionmaker(bind=db_engine, expire_on_commit=False)


_PIPELINE = "yiwang.pipeline"


@contextmanager
def pipelined(session) -> Iterator[None]:
    """Send the writes made inside in one round trip on PostgreSQL (psycopg's pipeline mode).

    For inserts, updates and deletes whose row count nobody checks (inside, a row
    count reads as -1): they are queued and sent when the block ends or when a
    statement inside needs its rows (a read, a RETURNING), which is then answered
    after everything queued before it. Errors of queued writes surface as SQLAlchemy
    errors like any other, and the transaction is aborted as usual. On other
    databases the block runs as it is.
    """
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not hasattr(driver, "pipeline"):
        yield
        return
    session.flush()  # ORM updates check their row counts: never queue them
    info = connection.connection.info
    try:
        with driver.pipeline() as pipeline:
            info[_PIPELINE] = pipeline
            try:
                yield
            finally:
                info.pop(_PIPELINE, None)
    except connection.dialect.loaded_dbapi.Error as err:
        if connection.dialect.is_disconnect(err, driver, None):
            connection.invalidate(err)
        raise exc.DBAPIError.instance(
            None, None, err, connection.dialect.loaded_dbapi.Error, hide_parameters=True, dialect=connection.dialect,
            connection_invalidated=connection.invalidated,
        ) from err


def _answer_reads_in_pipeline(conn, cursor, _statement, _parameters, context, _executemany) -> None:
    """A statement that returns rows, inside :func:`pipelined`: fetch its answer now."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is None or context is None:
        return
    compiled = context.compiled
    if (context.isinsert or context.isupdate or context.isdelete) and not (
            compiled is not None and compiled.effective_returning):
        return  # a write whose result nobody reads: stays queued
    pipeline.sync()
