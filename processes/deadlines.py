"""Time limits in working days: the local calendar, the case clock and step deadlines.

The clock of a case runs from the moment it is opened for its item's promised limit
(承诺时限) in working days. While the case waits for the applicant (a correction) the
clock stands still: each wait is a :class:`~processes.case_models.ClockPause`, and a
pause that covered N working days pushes every deadline that was running by N working
days. Working days come from :class:`engine.calendar.WorkingCalendar` (public holidays
and make-up days from ``chinese-calendar``) plus the administrator's local overrides
kept in ``calendar_override``.

Counting is by whole working days, as the rules count them: "used" is the number of
working days after the opening day up to today, and a deadline is the end of its
last working day (China Standard Time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.calendar import WorkingCalendar
from engine.models import WorkTask

from .case_errors import CaseInvalid
from .case_models import CalendarOverride, Case, ClockPause


# -- the calendar -----------------------------------------------------------
def load_calendar(session) -> WorkingCalendar:
    """The national calendar with this installation's local overrides."""
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    return WorkingCalendar({day: working for day, working in rows})


def set_calendar_override(uow, day: date, working: bool, *, actor: Actor, note: str | None = None) -> None:
    """Declare ``day`` a working day (a local make-up day) or a day off (a local holiday)."""
    with uow:
        row = uow.session.get(CalendarOverride, day)
        if row is None:
            row = CalendarOverride(day=day)
            uow.session.add(row)
        row.working, row.note, row.set_by = working, note, actor.user
        uow.commit()


def clear_calendar_override(uow, day: date) -> None:
    """Give ``day`` back to the national calendar."""
    with uow:
        row = uow.session.get(CalendarOverride, day)
        if row is not None:
            uow.session.delete(row)
        uow.commit()


def calendar_overrides(session, year: int | None = None) -> list[dict[str, Any]]:
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return [{"day": r.day, "working": r.working, "note": r.note, "set_by": r.set_by, "set_at": r.set_at}
            for r in session.scalars(query)]


# -- clocks -----------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Where a time limit stands at one moment."""

    limit_days: int
    used_days: int  # working days used, pauses left out
    paused_days: int  # working days paused so far, a running pause included
    due_at: datetime  # the deadline, pushed back by the paused days
    paused: bool

    def light(self, now: datetime, yellow_share: float) -> str:
        """Red once past the deadline; yellow once ``yellow_share`` of the limit is used."""
        if now > self.due_at:
            return "red"
        if self.limit_days > 0 and self.used_days / self.limit_days >= yellow_share:
            return "yellow"
        return "green"


def require_aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise CaseInvalid("times must be timezone-aware datetimes", value=repr(now))
    return now


def case_due(calendar: WorkingCalendar, case: Case, paused_days: int) -> datetime:
    return calendar.add_working_days(case.opened_at, case.promised_days + paused_days)


def pauses_of(session, case_id: str) -> list[ClockPause]:
    return list(session.scalars(select(ClockPause).where(ClockPause.case_id == case_id).order_by(ClockPause.id)))


def open_pause(session, case_id: str) -> ClockPause | None:
    return session.scalars(
        select(ClockPause).where(ClockPause.case_id == case_id, ClockPause.ended_at.is_(None))
    ).first()


def case_clock(session, case: Case, calendar: WorkingCalendar, now: datetime) -> Clock:
    """The case's clock at ``now``; a closed case's clock stopped when it closed."""
    end = min(now, case.closed_at) if case.closed_at else now
    running = open_pause(session, case.instance_id)
    paused = case.paused_days + (calendar.working_days_between(running.started_at, end) if running else 0)
    used = max(0, calendar.working_days_between(case.opened_at, end) - paused)
    return Clock(case.promised_days, used, paused, case_due(calendar, case, paused), running is not None)


def step_clock(task: WorkTask, pauses: list[ClockPause], calendar: WorkingCalendar, now: datetime) -> Clock | None:
    """A step's clock: its engine deadline pushed back by the case pauses it lived through."""
    if task.due_at is None:
        return None
    end = task.completed_at or now
    paused = sum(_overlap_days(p, task.created_at, end, calendar, now) for p in pauses if p.task_id != task.id)
    limit = calendar.working_days_between(task.created_at, task.due_at)
    used = max(0, calendar.working_days_between(task.created_at, end) - paused)
    due = calendar.add_working_days(task.due_at, paused) if paused else task.due_at
    return Clock(limit, used, paused, due, False)


def _overlap_days(pause: ClockPause, start: datetime, end: datetime, calendar, now) -> int:
    first, last = max(pause.started_at, start), min(pause.ended_at or now, end)
    return calendar.working_days_between(first, last) if first < last else 0


# -- pausing ----------------------------------------------------------------
def pause_clock(session, case: Case, *, reason: str, now: datetime, task_id: str | None = None,
                engine_suspended: bool = False) -> ClockPause:
    """Stop the case's clock (the caller checked that none is running)."""
    pause = ClockPause(case_id=case.instance_id, reason=reason, started_at=now, task_id=task_id,
                       engine_suspended=engine_suspended)
    session.add(pause)
    session.flush()
    return pause


def end_pause(session, case: Case, pause: ClockPause, calendar: WorkingCalendar, now: datetime) -> int:
    """Restart the clock; returns the working days the pause covered, now added to the deadline."""
    pause.ended_at = now
    pause.working_days = calendar.working_days_between(pause.started_at, now)
    case.paused_days += pause.working_days
    case.due_at = case_due(calendar, case, case.paused_days)
    return pause.working_days
