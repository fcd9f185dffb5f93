"""Case and step clocks in working days: holidays, make-up days, pauses, lights."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.calendar import CST, WorkingCalendar
from engine.models import WorkTask
from processes.case_errors import CaseInvalid
from processes.case_models import ClockPause
from processes.deadlines import Clock, require_aware, step_clock

CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


@pytest.mark.parametrize(("used", "now", "light"), [
    (3, at(10, 9), "green"),
    (4, at(10, 9), "yellow"),  # 80 % of 5
    (5, at(10, 10, 23), "yellow"),
    (5, at(10, 11), "red"),  # past the deadline
])
def test_lights_turn_yellow_at_the_share_and_red_past_the_deadline(used, now, light):
    clock = Clock(limit_days=5, used_days=used, paused_days=0, due_at=CALENDAR.add_working_days(at(9, 28), 5),
                  paused=False)
    assert clock.light(now, 0.8) == light


def test_national_day_and_its_make_up_saturday_shape_a_five_day_limit():
    due = CALENDAR.add_working_days(at(9, 28, 10), 5)
    assert due.astimezone(CST).date() == date(2026, 10, 10)
    assert CALENDAR.working_days_between(at(9, 28), at(10, 7)) == 2


def test_a_local_override_moves_the_deadline():
    calendar = WorkingCalendar({date(2026, 10, 9): False})
    assert calendar.add_working_days(at(9, 28, 10), 5).astimezone(CST).date() == date(2026, 10, 12)


def work_task(**values) -> WorkTask:
    return WorkTask(id="t1", created_at=at(9, 28, 10), due_at=CALENDAR.add_working_days(at(9, 28, 10), 3), **values)


def test_a_step_deadline_moves_by_the_working_days_a_case_pause_overlapped():
    task = work_task()  # due at the end of 10/8
    pause = ClockPause(started_at=at(9, 29, 10), ended_at=at(10, 9, 15), working_days=3, task_id="t2")
    clock = step_clock(task, [pause], CALENDAR, at(10, 9, 16))
    assert (clock.paused_days, clock.used_days) == (3, 1)  # paused 9/30, 10/8, 10/9; used 9/29
    # 10/8 pushed by three working days: 10/9, the make-up Saturday 10/10, Monday 10/12.
    assert clock.due_at.astimezone(CST).date() == date(2026, 10, 12)


def test_the_applicants_own_waiting_step_is_not_pushed_by_its_own_pause():
    task = work_task()
    pause = ClockPause(started_at=at(9, 29, 10), ended_at=None, task_id="t1")
    assert step_clock(task, [pause], CALENDAR, at(10, 9)).due_at == task.due_at


def test_a_step_without_a_time_limit_has_no_clock():
    assert step_clock(WorkTask(id="t1", created_at=at(9, 28), due_at=None), [], CALENDAR, at(10, 9)) is None


def test_naive_times_are_refused():
    with pytest.raises(CaseInvalid):
        require_aware(datetime(2026, 10, 9, 9))
