"""Fixtures for the forms unit tests: form fixtures and real-shaped identity numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from forms.validation import clear_cache

DATA = Path(__file__).resolve().parents[2] / "data" / "forms"


def _load(name: str) -> dict:
    with (DATA / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _resident_id(region: str = "320508", birth: str = "19850312", sequence: str = "123") -> str:
    base = region + birth + sequence
    return base + ric.calc_check_digit(base + "0")  # the helper ignores the last character


def _uscc(authority: str = "91", region: str = "320505", organisation: str = "MA1Q2W3E4") -> str:
    base = authority + region + organisation
    return base + uscc.calc_check_digit(base)


@pytest.fixture
def load_form():
    """``load_form("tax_registration.json")`` -> the parsed fixture."""
    return _load


@pytest.fixture
def resident_id():
    """Make a resident ID number with a correct check digit."""
    return _resident_id


@pytest.fixture
def make_uscc():
    """Make a unified social credit code with a correct check character."""
    return _uscc


@pytest.fixture(autouse=True)
def fresh_validator_cache():
    clear_cache()
    yield
    clear_cache()
