"""Time limits in working days: the local calendar, the case clock and step deadlines.

The clock of a case runs from the moment it is opened for its item's promised limit
(承诺时限) in working days. While the case waits for the applicant (a correction) the
clock stands still: each wait is a :class:`~processes.case_models.ClockPause`, and a
pause that covered N working days pushes every deadline that was running by N working
days. Working days come from :class:`engine.calendar.WorkingCalendar`, loaded from the
calendar the administrator maintains (:mod:`processes.holiday_calendar`).

Counting is by whole working days, as the rules count them: "used" is the number of
working days after the opening day up to today, and a deadline is the end of its
last working day (China Standard Time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, cast, literal, select, union_all

from engine import task_index
from engine.calendar import CST, WorkingCalendar
from engine.models import WorkTask

from .case_errors import CaseInvalid
from .calendar_models import WORKING_KINDS, CalendarDay, CalendarYear
from .case_models import Case, ClockPause


# -- the calendar -----------------------------------------------------------
def load_calendar(session) -> WorkingCalendar:
    """The calendar in force: local days, loaded State Council notices, then the library and the law."""
    local, national, years = {}, {}, []
    for day, scope, kind in session.execute(_CALENDAR_ROWS):
        if scope == "year":
            years.append(int(day))
        else:
            (local if scope == "local" else national)[_as_date(day)] = kind in WORKING_KINDS
    return WorkingCalendar(local, notice_days=national, notice_years=years)


# One round trip for both tables (a step that opens tasks reads the calendar); days as ISO text.
_CALENDAR_ROWS = union_all(
    select(cast(CalendarDay.day, String), CalendarDay.scope, CalendarDay.kind),
    select(cast(CalendarYear.year, String), literal("year"), literal("")),
)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# -- clocks -----------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Where a time limit stands at one moment."""

    limit_days: int
    used_days: int  # working days used, pauses left out
    paused_days: int  # working days paused so far, a running pause included
    due_at: datetime  # the deadline, pushed back by the paused days
    paused: bool
    # Counted through a year whose holiday notice is not loaded (statutory holidays only).
    provisional: bool = False

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


def open_pause(session, case_id: str, reason: str | None = None) -> ClockPause | None:
    """A running pause of the case (of ``reason``: ``correction``, ``procedure`` ...), or None."""
    query = select(ClockPause).where(ClockPause.case_id == case_id, ClockPause.ended_at.is_(None))
    if reason is not None:
        query = query.where(ClockPause.reason == reason)
    return session.scalars(query.order_by(ClockPause.id)).first()


def paused_days(pauses: list[ClockPause], calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Working days between ``start`` and ``end`` covered by any of the pauses (overlaps count once).

    A pause covers the working days after its first day up to and including its last
    (see :meth:`WorkingCalendar.working_days_between`); a running one lasts until ``end``.
    """
    covered: set[date] = set()
    for pause in pauses:
        first, last = max(pause.started_at, start), min(pause.ended_at or end, end)
        day, last_day = first.astimezone(CST).date(), last.astimezone(CST).date()
        while day < last_day:
            day += timedelta(days=1)
            if calendar.is_working_day(day):
                covered.add(day)
    return len(covered)


def case_clock(session, case: Case, calendar: WorkingCalendar, now: datetime) -> Clock:
    """The case's clock at ``now``; a closed case's clock stopped when it closed."""
    end = min(now, case.closed_at) if case.closed_at else now
    pauses = pauses_of(session, case.instance_id)
    paused = paused_days(pauses, calendar, case.opened_at, end)
    used = max(0, calendar.working_days_between(case.opened_at, end) - paused)
    due = case_due(calendar, case, paused)
    running = any(p.ended_at is None for p in pauses)
    return Clock(case.promised_days, used, paused, due, running, calendar.is_provisional(case.opened_at, due))


def step_clock(task: WorkTask, pauses: list[ClockPause], calendar: WorkingCalendar, now: datetime) -> Clock | None:
    """A step's clock: its engine deadline pushed back by the case pauses it lived through.

    The step's own pause (the applicant's correction task, a special procedure) does
    not stop its own clock: that step's limit is its handler's time.
    """
    if task.due_at is None:
        return None
    end = task.completed_at or now
    paused = paused_days([p for p in pauses if p.task_id != task.id], calendar, task.created_at, end)
    limit = calendar.working_days_between(task.created_at, task.due_at)
    used = max(0, calendar.working_days_between(task.created_at, end) - paused)
    due = calendar.add_working_days(task.due_at, paused) if paused else task.due_at
    return Clock(limit, used, paused, due, False, calendar.is_provisional(task.created_at, due))


# -- pausing ----------------------------------------------------------------
def pause_clock(session, case: Case, *, reason: str, now: datetime, task_id: str | None = None,
                engine_suspended: bool = False) -> ClockPause:
    """Stop the case's clock for ``reason`` (the caller checked that no such pause is running)."""
    pause = ClockPause(case_id=case.instance_id, reason=reason, started_at=now, task_id=task_id,
                       engine_suspended=engine_suspended)
    session.add(pause)
    session.flush()
    return pause


def end_pause(session, case: Case, pause: ClockPause, calendar: WorkingCalendar, now: datetime) -> int:
    """End a pause; returns the working days it covered, by which the deadline moves back."""
    pause.ended_at = now
    pause.working_days = calendar.working_days_between(pause.started_at, now)
    _count_ended_pauses(session, case, calendar)
    return pause.working_days


def _count_ended_pauses(session, case: Case, calendar: WorkingCalendar) -> None:
    """``case.paused_days`` and the deadline from the pauses that ended (overlaps counted once)."""
    session.flush()
    ended = [p for p in pauses_of(session, case.instance_id) if p.ended_at is not None]
    last = max((p.ended_at for p in ended), default=case.opened_at)
    case.paused_days = paused_days(ended, calendar, case.opened_at, last)
    case.due_at = case_due(calendar, case, case.paused_days)


# -- a changed calendar ---------------------------------------------------------
def refresh_deadlines(uow, old: WorkingCalendar, new: WorkingCalendar, first: date, last: date, *,
                      now: datetime) -> tuple[int, int]:
    """Recount the deadlines of open cases and open steps whose counting touches ``first``..``last``.

    Inside the caller's transaction, after the calendar changed from ``old`` to
    ``new``. Returns how many (cases, steps) got a new deadline.
    """
    session = uow.session
    start = datetime.combine(first, time.min, CST)
    end = datetime.combine(last, time.max, CST)
    cases = session.scalars(select(Case).where(Case.closed_at.is_(None), Case.opened_at <= end,
                                               Case.due_at >= start)).all()
    moved_cases = sum(_recount_case(session, case, new, now) for case in cases)
    tasks = session.scalars(select(WorkTask).where(
        WorkTask.state == "ready", WorkTask.time_limit_days.is_not(None), WorkTask.created_at <= end,
        WorkTask.due_at >= start)).all()
    new_dues = {}
    for task in tasks:
        due = new.add_working_days(task.created_at, task.time_limit_days)
        if due != task.due_at:
            new_dues[task.id] = due
    task_index.move_deadlines(uow, new_dues)
    return moved_cases, len(new_dues)


def _recount_case(session, case: Case, calendar: WorkingCalendar, now: datetime) -> bool:
    """The case's paused days and deadline under ``calendar``; True when its deadline moved."""
    before = case.due_at
    for pause in pauses_of(session, case.instance_id):
        if pause.ended_at is not None:
            pause.working_days = calendar.working_days_between(pause.started_at, pause.ended_at)
    _count_ended_pauses(session, case, calendar)
    case.due_at = case_clock(session, case, calendar, now).due_at
    return case.due_at != before
