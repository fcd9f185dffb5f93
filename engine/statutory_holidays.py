"""The statutory public holidays of any year, from the law alone (no yearly notice needed).

全国年节及纪念日放假办法 fixes the days off every citizen has; since its 2024 amendment
(in force from 1 January 2025) they are: 元旦 1 day (1 January), 春节 4 days (除夕 to
正月初三), 清明节 1 day (the day of the Qingming solar term), 劳动节 2 days (1-2 May),
端午节 1 day (the 5th of the 5th lunar month), 中秋节 1 day (the 15th of the 8th lunar
month) and 国庆节 3 days (1-3 October). Before 2025 春节 was 3 days (初一 to 初三) and
劳动节 1 day.

Lunar dates come from ``lunardate`` and the Qingming term from ``chinese-calendar``'s
solar-term formula; both cover 1900-2099. Outside that range only the fixed solar
dates are known.

What the law does not fix, and only the State Council's yearly notice says, are the
bridging days and the make-up working days (调休); a calendar that knows only these
statutory days is therefore provisional (see :mod:`engine.calendar`).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar
from lunardate import LunarDate

# The 2024 amendment of 全国年节及纪念日放假办法 applies from this year on.
AMENDED_2024 = 2025
_LUNAR_RANGE = range(1900, 2100)


@cache
def statutory_holidays(year: int) -> dict[date, str]:
    """Day -> holiday name of the statutory days off of ``year``."""
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    amended = year >= AMENDED_2024
    days.update({date(year, 5, d): "劳动节" for d in ((1, 2) if amended else (1,))})
    days.update({date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    if year in _LUNAR_RANGE:
        new_year = _solar(year, 1, 1)
        first = -1 if amended else 0  # 除夕 is the day before 正月初一
        days.update({new_year + timedelta(days=d): "春节" for d in range(first, 3)})
        days[_solar(year, 5, 5)] = "端午节"
        days[_solar(year, 8, 15)] = "中秋节"
        days[_qingming(year)] = "清明节"
    return days


def _solar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if "清明" in str(name))
