"""Writes sent together (PostgreSQL's pipeline mode) are stored, read in order, and fail like any other write."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from engine.db import pipelined


def count(session) -> int:
    return session.scalar(text("SELECT count(*) FROM pipe_probe"))


def test_writes_in_a_pipelined_block_are_stored_and_a_read_inside_sees_them(env):
    with env.unit_of_work() as uow:
        session = uow.session
        session.execute(text("CREATE TEMPORARY TABLE pipe_probe (id integer PRIMARY KEY)"))
        with pipelined(session):
            session.execute(text("INSERT INTO pipe_probe VALUES (1)"))
            session.execute(text("INSERT INTO pipe_probe VALUES (:n)"), [{"n": 2}, {"n": 3}])
            assert count(session) == 3
            session.execute(text("INSERT INTO pipe_probe VALUES (4)"))
        assert count(session) == 4


def test_a_failing_write_in_a_pipelined_block_is_a_sqlalchemy_error_naming_the_cause(env):
    with env.unit_of_work() as uow:
        session = uow.session
        session.execute(text("CREATE TEMPORARY TABLE pipe_probe (id integer PRIMARY KEY)"))
        session.execute(text("INSERT INTO pipe_probe VALUES (1)"))
        with pytest.raises(IntegrityError, match="pipe_probe|UNIQUE|unique"):
            with pipelined(session):
                session.execute(text("INSERT INTO pipe_probe VALUES (2)"))
                session.execute(text("INSERT INTO pipe_probe VALUES (1)"))
