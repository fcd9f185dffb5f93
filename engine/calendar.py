"""Working-day arithmetic for deadlines (法定时限 / 承诺时限 are counted in working days).

Whether a day is a working day is decided by the first of these that knows the day:

1. a **local** day the administrator declared (a city's own closure, or a day it
   works although the national calendar rests);
2. the **State Council's yearly notice** (国务院办公厅关于某年部分节假日安排的通知) for a
   year whose notice the administrator loaded: its days off (holidays with their
   bridging days) and its make-up working days (调休上班); every other Monday-Friday
   works;
3. the maintained ``chinese-calendar`` package, which carries the notices of the
   years it knows (up to its release);
4. the **statutory holidays** alone, for a year nobody has a notice for yet: they
   are fixed by law (全国年节及纪念日放假办法, as amended in 2024), so their dates are
   known for every year through the lunar calendar and the solar terms
   (:mod:`engine.statutory_holidays`). Such a year is *provisional*: its make-up
   working days and bridging days are not known until the notice comes out, and
   every deadline counted through it must say so.

Deadlines are the end of the last working day in China Standard Time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import cache

import chinese_calendar

from .statutory_holidays import statutory_holidays

CST = timezone(timedelta(hours=8), "Asia/Shanghai")

# Where a year's working days come from (see the module docstring), most authoritative first.
NOTICE, LIBRARY, STATUTORY = "notice", "library", "statutory"


@cache
def library_covers(year: int) -> bool:
    """Whether ``chinese-calendar`` carries the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """Working days from local days, loaded notices, the library and the statutory holidays.

    Args:
        local: day -> True (a local working day) or False (a local closure).
        notice_days: day -> working, for the days the loaded notices name.
        notice_years: the years whose notice is loaded (their unnamed weekdays work).
    """

    def __init__(self, local: Mapping[date, bool] | None = None, *,
                 notice_days: Mapping[date, bool] | None = None, notice_years: Iterable[int] = ()) -> None:
        self.local = dict(local or {})
        self.notice_days = dict(notice_days or {})
        self.notice_years = frozenset(notice_years)
        # Equal calendars share cached day counts (engine.task_lights).
        self.key = (tuple(sorted(self.local.items())), tuple(sorted(self.notice_days.items())),
                    tuple(sorted(self.notice_years)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkingCalendar) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    # -- days ---------------------------------------------------------------
    def source_of(self, year: int) -> str:
        """Where ``year``'s national days come from: ``notice``, ``library`` or ``statutory``."""
        if year in self.notice_years:
            return NOTICE
        return LIBRARY if library_covers(year) else STATUTORY

    def is_provisional_year(self, year: int) -> bool:
        """True when only the statutory holidays of ``year`` are known (no notice, not in the library)."""
        return self.source_of(year) == STATUTORY

    def is_working_day(self, day: date) -> bool:
        if day in self.local:
            return self.local[day]
        source = self.source_of(day.year)
        if source == NOTICE:
            return self.notice_days.get(day, day.weekday() < 5)
        if source == LIBRARY:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    # -- counting -------------------------------------------------------------
    def add_working_days(self, start: datetime, days: float) -> datetime:
        """End of the ``days``-th working day after ``start`` (the start day itself not counted)."""
        whole = max(1, math.ceil(days))
        day = start.astimezone(CST).date()
        counted = 0
        while counted < whole:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day, time(23, 59, 59), CST).astimezone(timezone.utc)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day."""
        first, last = start.astimezone(CST).date(), end.astimezone(CST).date()
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def is_provisional(self, start: datetime | None, due: datetime | None) -> bool:
        """Whether a deadline counted from ``start`` to ``due`` crosses a provisional year."""
        if due is None:
            return False
        last = due.astimezone(CST).year
        first = start.astimezone(CST).year if start is not None else last
        return any(self.is_provisional_year(year) for year in range(min(first, last), last + 1))
