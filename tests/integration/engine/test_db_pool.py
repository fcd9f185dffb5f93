"""Pooled PostgreSQL connections: pinged only after sitting idle, and a dead one is replaced unseen."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine import db
from engine.db import make_db_engine

URL = os.environ.get("YIWANG_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL connection pool behaviour")


@pytest.fixture
def pool_engine():
    engine = make_db_engine(URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def terminate(pid: int) -> None:
    other = make_db_engine(URL)
    with other.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_handed_back_a_moment_ago_is_reused_without_a_ping(pool_engine, monkeypatch):
    pings = []
    real_ping = pool_engine.dialect.do_ping
    monkeypatch.setattr(pool_engine.dialect, "do_ping", lambda c: pings.append(1) or real_ping(c))
    first = backend_pid(pool_engine)
    assert [backend_pid(pool_engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_a_connection_that_died_while_idle_is_replaced_without_the_caller_seeing_it(pool_engine, monkeypatch):
    first = backend_pid(pool_engine)
    terminate(first)  # e.g. the server restarted while the pool sat idle
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had been idle for longer than that
    second = backend_pid(pool_engine)
    assert second != first


def test_a_connection_that_died_within_the_second_fails_once_and_the_pool_renews(pool_engine):
    first = backend_pid(pool_engine)
    terminate(first)
    with pytest.raises(DBAPIError) as failed:
        backend_pid(pool_engine)
    assert failed.value.connection_invalidated
    assert backend_pid(pool_engine) != first
