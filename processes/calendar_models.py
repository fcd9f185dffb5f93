"""Tables of the working-day calendar an administrator maintains (see :mod:`processes.holiday_calendar`).

Two kinds of days, kept apart so that loading one never wipes the other:

* **national** days from the State Council's yearly holiday notice: ``holiday``
  (a day off: the statutory holidays and their bridging days) and ``workday`` (a
  make-up working day, 调休上班); a year counts as loaded (not provisional) once a
  :class:`CalendarYear` row names its notice;
* **local** days the city decides: ``closure`` (the halls close, e.g. for a typhoon)
  and ``local_workday`` (the halls work on a day the national calendar rests).

A local day wins over a national one on the same date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime, utcnow

NATIONAL_KINDS = ("holiday", "workday")
LOCAL_KINDS = ("closure", "local_workday")
KINDS = NATIONAL_KINDS + LOCAL_KINDS
WORKING_KINDS = frozenset({"workday", "local_workday"})


def scope_of(kind: str) -> str:
    return "national" if kind in NATIONAL_KINDS else "local"


class CalendarDay(Base):
    """A day the calendar names: off or working, from a notice or a local decision."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # national | local
    kind: Mapped[str] = mapped_column(String(20))  # one of KINDS
    name: Mapped[str | None] = mapped_column(String(200))  # 春节, 国庆节调休上班, 台风停止办公 ...
    notice: Mapped[str | None] = mapped_column(Text)  # the notice the day comes from
    set_by: Mapped[str] = mapped_column(String(150))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def working(self) -> bool:
        return self.kind in WORKING_KINDS


class CalendarYear(Base):
    """A year whose State Council holiday notice is loaded: its deadlines are no longer provisional."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice: Mapped[str] = mapped_column(Text)  # the notice's title and number
    loaded_by: Mapped[str] = mapped_column(String(150))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
