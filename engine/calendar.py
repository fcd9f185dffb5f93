"""Working-day arithmetic for deadlines (法定时限 / 承诺时限 are counted in working days).

Chinese public holidays and make-up working days come from the maintained
``chinese-calendar`` package; ``overrides`` lets an administrator declare local
exceptions (a date -> True for working day, False for day off). Deadlines are the
end of the last working day in China Standard Time.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar

CST = timezone(timedelta(hours=8), "Asia/Shanghai")


class WorkingCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # Years the package does not cover yet: fall back to Monday-Friday.
            return day.weekday() < 5

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
