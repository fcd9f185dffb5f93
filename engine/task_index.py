"""Keeps ``work_task`` (and its candidate rows) in step with the workflow, per step.

Only tasks the step changed are looked at, and what changed is read from the
before/after change marks (:mod:`engine.state`) rather than from the database, so
the cost does not grow with the instance and costs no extra query.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, insert, update
from SpiffWorkflow.util.task import TaskState

from . import assignment, task_lights
from .models import NO_DEADLINE, WorkTask, WorkTaskCandidate, utcnow
from .task_kinds import human_kind, loop_item

_FINISHED = (TaskState.COMPLETED, TaskState.CANCELLED)


def sync(uow, loaded, delta) -> None:
    wf, before = loaded.workflow, loaded.before
    new, reopened, finished = [], [], {"completed": [], "cancelled": []}
    for task_id in delta.upserts:
        task = wf.find_task(task_id)
        if task is None or not human_kind(task.task_spec):
            continue
        old = before.get(task.id)
        old_state = old[0] if old else None
        if task.state == TaskState.READY and old_state != TaskState.READY:
            (reopened if old_state in _FINISHED else new).append(task)
        elif old_state == TaskState.READY and task.state in _FINISHED:
            finished["completed" if task.state == TaskState.COMPLETED else "cancelled"].append(task_id)
    # Removed from the tree (returned past, cancelled boundary paths ...): no longer workable.
    finished["cancelled"].extend(t for t in delta.deletes if before.get(UUID(t), (None,))[0] == TaskState.READY)
    now = utcnow()
    if new:
        _insert(uow, loaded, new, now)
    for state, ids in finished.items():
        if ids:
            _finish(uow, ids, state, now, loaded.completed_by)
    if reopened:
        _reopen(uow, [str(t.id) for t in reopened], now)
    task_lights.follow(uow, [str(t.id) for t in new + reopened] + finished["completed"] + finished["cancelled"])


_INSERT_WORK = insert(WorkTask.__table__)
_INSERT_CANDIDATES = insert(WorkTaskCandidate.__table__)


def _insert(uow, loaded, tasks, now) -> None:
    row, definition = loaded.row, loaded.definition
    calendar = uow.env.calendar(uow.session)
    works, candidates = [], []
    for task in tasks:
        who = assignment.resolve(task, now, calendar)
        task_id = str(task.id)
        works.append({
            "id": task_id, "instance_id": row.id, "definition_id": definition.id,
            "process_id": definition.process_id, "business_key": row.business_key,
            "element_id": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name,
            "kind": human_kind(task.task_spec), "state": "ready", "assignee": who.assignee,
            "candidate_groups": who.candidate_groups, "candidate_users": who.candidate_users,
            "form_key": who.form_key, "loop_item": _json_safe(loop_item(task)), "due_at": who.due_at,
            "time_limit_days": who.time_limit_days,
            "created_at": now, "claimed_at": None, "completed_at": None, "completed_by": None,
        })
        candidates.extend(
            {"task_id": task_id, "group_name": group, "state": "ready",
             "process_id": definition.process_id, "due_sort": who.due_at or NO_DEADLINE}
            for group in dict.fromkeys(who.candidate_groups)
        )
    uow.session.execute(_INSERT_WORK, works)
    if candidates:
        uow.session.execute(_INSERT_CANDIDATES, candidates)


_WORK, _CANDIDATES = WorkTask.__table__, WorkTaskCandidate.__table__
# Built once (Core): finishing tasks costs no statement building per step.
_FINISH_WORK = (update(_WORK)
                .where(_WORK.c.id.in_(bindparam("ids", expanding=True)), _WORK.c.state == "ready")
                .values(state=bindparam("new_state"), completed_at=bindparam("at"), completed_by=bindparam("by")))
_FINISH_CANDIDATES = (update(_CANDIDATES).where(_CANDIDATES.c.task_id.in_(bindparam("ids", expanding=True)))
                      .values(state=bindparam("new_state")))


def _finish(uow, task_ids, state, now, completed_by) -> None:
    by_user: dict[str | None, list[str]] = {}
    for task_id in task_ids:
        by_user.setdefault(completed_by.get(task_id) if state == "completed" else None, []).append(task_id)
    for user, ids in by_user.items():
        uow.session.execute(_FINISH_WORK, {"ids": ids, "new_state": state, "at": now, "by": user})
    uow.session.execute(_FINISH_CANDIDATES, {"ids": list(task_ids), "new_state": state})


def _reopen(uow, task_ids, now) -> None:
    """Finished steps made ready again (returned to, withdrawn): back to whoever did them."""
    uow.session.execute(
        update(WorkTask).where(WorkTask.id.in_(task_ids)).values(
            state="ready", assignee=WorkTask.completed_by, claimed_at=None,
            completed_at=None, completed_by=None,
        )
    )
    uow.session.execute(
        update(WorkTaskCandidate).where(WorkTaskCandidate.task_id.in_(task_ids)).values(state="ready")
    )


def move_deadlines(uow, new_dues: dict[str, datetime]) -> None:
    """Give open tasks new deadlines (the working-day calendar changed), inside the caller's transaction.

    Worklists (``due_sort``) and the light counts follow; the steps themselves are not touched.
    """
    if not new_dues:
        return
    ids = list(new_dues)
    task_lights.recount(uow, ids, -1)
    uow.session.execute(update(_WORK).where(_WORK.c.id == bindparam("task")).values(due_at=bindparam("due")),
                        [{"task": task_id, "due": due} for task_id, due in new_dues.items()])
    uow.session.execute(update(_CANDIDATES).where(_CANDIDATES.c.task_id == bindparam("task"))
                        .values(due_sort=bindparam("due")),
                        [{"task": task_id, "due": due or NO_DEADLINE} for task_id, due in new_dues.items()])
    task_lights.recount(uow, ids, +1)


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
