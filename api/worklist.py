"""Worklists: my tasks and my groups' queues, filtered and sorted by deadline, with ETags."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, object_session

from engine.models import WorkTask, WorkTaskCandidate, utcnow
from engine.calendar import WorkingCalendar
from engine.queries import task_view
from processes.deadlines import load_calendar

from .accounts import Principal
from .access import task_condition


def etag_of(work: WorkTask) -> str:
    """Changes whenever the task is claimed, handed on, completed or cancelled."""
    parts = (work.id, work.state, work.assignee or "", str(work.claimed_at or ""), str(work.completed_at or ""))
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def task_out(work: WorkTask, now: datetime | None = None, calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """The task as the worklist shows it; pass the ``calendar`` when showing many."""
    now = now or utcnow()
    calendar = calendar or load_calendar(object_session(work))
    view = task_view(work)
    view["overdue"] = work.state == "ready" and work.due_at is not None and work.due_at < now
    # Counted through a year whose holiday notice is not loaded: shown as provisional.
    view["due_provisional"] = calendar.is_provisional(work.created_at, work.due_at)
    view["etag"] = etag_of(work)
    return view


def list_tasks(session: Session, principal: Principal, *, scope: str = "all", state: str = "ready",
               process_id: str | None = None, group: str | None = None, due_before: datetime | None = None,
               overdue: bool | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    now = utcnow()
    query = select(WorkTask).where(WorkTask.state == state, task_condition(principal, scope, state))
    if process_id is not None:
        query = query.where(WorkTask.process_id == process_id)
    if group is not None:
        query = query.where(exists().where(WorkTaskCandidate.task_id == WorkTask.id,
                                           WorkTaskCandidate.group_name == group))
    if due_before is not None:
        query = query.where(WorkTask.due_at <= due_before)
    if overdue is True:
        query = query.where(WorkTask.due_at < now)
    elif overdue is False:
        query = query.where(WorkTask.due_at.is_(None) | (WorkTask.due_at >= now))
    query = query.order_by(WorkTask.due_at.is_(None), WorkTask.due_at, WorkTask.created_at, WorkTask.id)
    calendar = load_calendar(session)
    return [task_out(t, now, calendar) for t in session.scalars(query.limit(limit).offset(offset))]
