"""Tracking numbers: readable, self-checking, and refused when mistyped."""

from __future__ import annotations

from datetime import date

import pytest

from processes.case_errors import CaseInvalid
from processes.receipts import format_tracking_number, is_valid_tracking_number, item_prefix, progress_url


def test_a_tracking_number_reads_item_region_day_sequence_and_a_check_character():
    number = format_tracking_number("SPJY0001", "320505", date(2026, 9, 30), 17)
    assert number[:-1] == "SPJY0001-320505-20260930-00017"
    assert is_valid_tracking_number(number)


@pytest.mark.parametrize("position", [0, 5, 9, 20, 26, 29])
def test_any_single_mistyped_character_is_caught_by_the_check_character(position):
    number = format_tracking_number("SPJY0001", "320505", date(2026, 9, 30), 17)
    original = number[position]
    for replacement in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if replacement != original:
            assert not is_valid_tracking_number(number[:position] + replacement + number[position + 1:])


def test_sequences_beyond_five_digits_still_make_valid_numbers():
    assert is_valid_tracking_number(format_tracking_number("A1", "320505123", date(2026, 1, 1), 1234567))


@pytest.mark.parametrize("text", ["", "SPJY0001-320505-20260930-00017", "spjy0001-320505-20260930-00017K",
                                  "SPJY0001-3205-20260930-00017K", "../../etc/passwd"])
def test_malformed_numbers_are_not_valid(text):
    assert not is_valid_tracking_number(text)


def test_the_item_part_keeps_letters_and_digits_only():
    assert item_prefix("ab-12 34/5") == "AB12345"
    with pytest.raises(CaseInvalid):
        item_prefix("办件")


def test_the_progress_url_joins_the_configured_base_once():
    assert progress_url("https://zwfw.example.gov.cn/", "A-1", "K7") == "https://zwfw.example.gov.cn/progress/A-1?code=K7"
