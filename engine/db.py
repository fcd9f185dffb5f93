"""SQLAlchemy base shared by every package's models.

Plain SQLAlchemy 2.x: the Flask app binds the same metadata through
Flask-SQLAlchemy (``SQLAlchemy(model_class=Base)``), while the engine, the CLI and
background workers use :func:`make_session_factory` directly.
"""

from __future__ import annotations

import logging

from sqlalchemy import MetaData, create_engine, event
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
    return create_engine(url, **kwargs)


def make_session_factory(db_engine: Engine) -> sessionmaker:
    return sessionmaker(bind=db_engine, expire_on_commit=False)
