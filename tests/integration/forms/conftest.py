"""Database fixtures for the forms integration tests.

``db_engine`` comes from ``tests/conftest.py``: an empty SQLite file per test
(created with ``engine.db.make_db_engine`` and ``Base.metadata.create_all``, with
``forms.models`` imported first), or PostgreSQL when ``YIWANG_TEST_DATABASE_URL``
is set, as in CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stdnum.cn import ric

import forms.models  # noqa: F401 - registers the form_version table before create_all
from engine.db import make_session_factory
from forms.validation import clear_cache

DATA = Path(__file__).resolve().parents[2] / "data" / "forms"


@pytest.fixture
def session_factory(db_engine):
    return make_session_factory(db_engine)


@pytest.fixture
def session(session_factory):
    """A session whose work is rolled back unless the test commits it."""
    with session_factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def load_form():
    def load(name: str) -> dict:
        with (DATA / name).open(encoding="utf-8") as handle:
            return json.load(handle)

    return load


@pytest.fixture
def resident_id():
    def make(region: str = "110105", birth: str = "19850312", sequence: str = "123") -> str:
        base = region + birth + sequence
        return base + ric.calc_check_digit(base + "0")

    return make


@pytest.fixture(autouse=True)
def fresh_validator_cache():
    clear_cache()
    yield
    clear_cache()
