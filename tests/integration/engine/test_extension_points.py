"""What other packages plug into the engine: step listeners, the calendar, periodic jobs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from engine import jobs
from engine.calendar import CST, WorkingCalendar
from engine.errors import EngineError
from engine.models import Job
from support.engine_kit import complete, deploy_files, history, one_ready, start
from support.paths import EXAMPLES

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"
START = {"applicant": "zhang3", "departments": ["market"]}


def test_step_listeners_run_inside_the_steps_transaction(env):
    seen = []

    def listener(uow, loaded, delta):
        seen.append(loaded.row.id)
        if len(seen) == 2:
            raise EngineError("listener refused the step")

    env.step_listeners.append(listener)
    deploy_files(env, BPMN)
    case = start(env, "one_window_approval", START)
    accept = one_ready(env, case, "accept")
    with pytest.raises(EngineError):
        complete(env, accept, {"acceptance": "accept"})
    assert seen == [case, case]
    assert one_ready(env, case, "accept")["id"] == accept["id"]  # the step was rolled back
    assert "task.completed" not in [h["action"] for h in history(env, case)]


def test_step_deadlines_use_the_installations_calendar(make_env):
    env = make_env()
    # Declare the day the national calendar would make the deadline a local day off.
    national_due = WorkingCalendar().add_working_days(datetime.now(timezone.utc), 1)
    day_off = national_due.astimezone(CST).date()
    env.calendar = lambda session: WorkingCalendar({day_off: False})
    deploy_files(env, BPMN)
    case = start(env, "one_window_approval", START)
    task = one_ready(env, case, "accept")
    expected = WorkingCalendar({day_off: False}).add_working_days(task["created_at"], 1)
    assert task["due_at"] == expected
    assert task["due_at"].astimezone(CST).date() > day_off


def test_a_periodic_job_is_queued_once_per_interval_and_runs(env):
    ran = []
    jobs.HANDLERS["test.sweep"] = lambda uow, bucket: ran.append(bucket)
    try:
        env.periodic_jobs.append(("test.sweep", 3600))
        now = datetime(2026, 11, 22, 10, 30, tzinfo=timezone.utc)
        for job_id in jobs.tick(env, now):
            jobs.run_job(env, job_id)
        jobs.tick(env, now.replace(minute=59))  # same hour: nothing new
        with env.unit_of_work() as uow:
            queued = uow.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.sweep"))
        assert (ran, queued) == ([int(now.timestamp() // 3600)], 1)
        jobs.tick(env, now.replace(hour=11))
        with env.unit_of_work() as uow:
            queued = uow.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.sweep"))
        assert queued == 2
    finally:
        del jobs.HANDLERS["test.sweep"]
