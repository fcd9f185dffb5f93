"""Working days: local days, loaded notices, the library, and the statutory holidays of any year."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.calendar import CST, LIBRARY, NOTICE, STATUTORY, WorkingCalendar
from engine.statutory_holidays import statutory_holidays


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


def test_the_statutory_holidays_of_2027_follow_the_law_as_amended_in_2024():
    days = statutory_holidays(2027)
    assert {d: n for d, n in days.items() if n == "春节"} == {  # 除夕 to 初三: 4 days
        date(2027, 2, 5): "春节", date(2027, 2, 6): "春节", date(2027, 2, 7): "春节", date(2027, 2, 8): "春节"}
    assert [d for d, n in days.items() if n == "劳动节"] == [date(2027, 5, 1), date(2027, 5, 2)]
    assert (days[date(2027, 1, 1)], days[date(2027, 4, 5)], days[date(2027, 6, 9)], days[date(2027, 9, 15)]) == (
        "元旦", "清明节", "端午节", "中秋节")
    assert [d for d, n in days.items() if n == "国庆节"] == [date(2027, 10, d) for d in (1, 2, 3)]
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3


def test_before_the_amendment_spring_festival_had_three_days_and_labour_day_one():
    days = statutory_holidays(2024)
    assert sorted(d for d, n in days.items() if n == "春节") == [date(2024, 2, 10), date(2024, 2, 11),
                                                                date(2024, 2, 12)]
    assert [d for d, n in days.items() if n == "劳动节"] == [date(2024, 5, 1)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_lunar_computation_agrees_with_the_notices_the_library_carries(year):
    """Every statutory holiday the law gives is a day off in the notices chinese-calendar transcribes."""
    library = WorkingCalendar()
    assert library.source_of(year) == LIBRARY
    assert [d for d in statutory_holidays(year) if library.is_working_day(d)] == []


def test_a_year_nobody_has_a_notice_for_counts_the_statutory_holidays_and_is_provisional():
    calendar = WorkingCalendar()
    assert calendar.source_of(2027) == STATUTORY and calendar.is_provisional_year(2027)
    assert not calendar.is_working_day(date(2027, 2, 8))  # Monday, 初三
    assert calendar.is_working_day(date(2027, 2, 9))  # Tuesday: only the notice could make it a day off
    assert not calendar.is_working_day(date(2027, 1, 1))  # Friday, 元旦


def test_an_industrial_construction_permit_opened_on_6_december_2026_is_not_due_in_the_spring_festival():
    calendar = WorkingCalendar()
    due = calendar.add_working_days(at(2026, 12, 6), 50)
    # Monday-Friday alone would give 2027-02-12; 元旦 and 除夕-初三 push it to the next Wednesday.
    assert due.astimezone(CST).date() == date(2027, 2, 17)
    assert calendar.is_provisional(at(2026, 12, 6), due)
    assert not calendar.is_provisional(at(2026, 3, 2), calendar.add_working_days(at(2026, 3, 2), 50))


def test_a_loaded_notice_decides_its_year_and_a_local_day_wins_over_it():
    notice = {date(2027, 2, 9): False, date(2027, 2, 20): True}  # a bridging day and a make-up Saturday
    calendar = WorkingCalendar({date(2027, 2, 20): False}, notice_days=notice, notice_years=[2027])
    assert calendar.source_of(2027) == NOTICE and not calendar.is_provisional_year(2027)
    assert not calendar.is_working_day(date(2027, 2, 9))
    assert calendar.is_working_day(date(2027, 2, 10))  # not named by the notice: an ordinary Wednesday
    assert calendar.is_working_day(date(2027, 2, 8))  # the loaded notice is the authority for its year
    assert not calendar.is_working_day(date(2027, 2, 20))  # the city closes on the make-up Saturday
