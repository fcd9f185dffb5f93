"""SQLAlchemy base shared by every package's models.

Plain SQLAlchemy 2.x: the Flask app binds the same metadata through
Flask-SQLAlchemy (``SQLAlchemy(model_class=Base)``), while the engine, the CLI and
background workers use :func:`make_session_factory` directly.
"""

from __future__ import annotations

import logging
import time
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
    db_engine = create_engine(url, **kwargs)
    _ping_when_idle(db_engine)
    event.listen(db_engine, "after_cursor_execute", _answer_reads_in_pipeline)
    return db_engine


# A pooled connection unused for this long is pinged before it is handed out again.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "yiwang.idle_since"


def _ping_when_idle(db_engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for connections that sat idle in the pool.

    A connection goes stale while nobody uses it (the server restarted, a firewall
    dropped it); one handed back a moment ago was alive then. Pinging on every
    checkout cost a round trip per unit of work, two per API call. A connection that
    dies within the second still fails only its own statement: SQLAlchemy then
    recognises the disconnect and renews the whole pool, and the caller gets a
    retriable error as with any database outage.
    """
    dialect = db_engine.dialect

    @event.listens_for(db_engine.pool, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(db_engine.pool, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            # The pool discards this connection and hands out a fresh one (or fails
            # the checkout if the server is still down).
            raise exc.DisconnectionError(f"pooled connection lost while idle: {err}") from err


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
