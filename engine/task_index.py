"""Keeps ``work_task`` (and its candidate rows) in step with the workflow, per step.

Only tasks the step changed are looked at, so the cost does not grow with the
size of the instance.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select, update
from SpiffWorkflow.util.task import TaskState

from . import assignment
from .models import WorkTask, WorkTaskCandidate, utcnow
from .task_kinds import human_kind, loop_item


def sync(uow, loaded, delta) -> None:
    wf, row = loaded.workflow, loaded.row
    changed = {}
    for task_id in delta.upserts:
        task = wf.get_task_from_id(UUID(task_id))
        if task is not None and human_kind(task.task_spec):
            changed[task_id] = task
    gone = set(delta.deletes)
    if not changed and not gone:
        return
    session = uow.session
    existing = {
        t.id: t
        for t in session.scalars(select(WorkTask).where(WorkTask.id.in_(list(changed) + list(gone))))
    }
    now = utcnow()
    for task_id, task in changed.items():
        indexed = existing.get(task_id)
        if task.state == TaskState.READY and indexed is None:
            _insert(uow, row, loaded.definition, task, now)
        elif task.state == TaskState.READY and indexed.state != "ready":
            _reopen(session, indexed, now)
        elif indexed is not None and indexed.state == "ready":
            if task.state == TaskState.COMPLETED:
                _set_state(session, indexed, "completed", now)
            elif task.state == TaskState.CANCELLED:
                _set_state(session, indexed, "cancelled", now)
    for task_id in gone:
        indexed = existing.get(task_id)
        if indexed is not None and indexed.state == "ready":
            _set_state(session, indexed, "cancelled", now)


def _insert(uow, row, definition, task, now) -> None:
    who = assignment.resolve(task, now)
    work = WorkTask(
        id=str(task.id),
        instance_id=row.id,
        definition_id=definition.id,
        process_id=definition.process_id,
        business_key=row.business_key,
        element_id=task.task_spec.bpmn_id,
        name=task.task_spec.bpmn_name,
        kind=human_kind(task.task_spec),
        state="ready",
        assignee=who.assignee,
        candidate_groups=who.candidate_groups,
        candidate_users=who.candidate_users,
        form_key=who.form_key,
        loop_item=_json_safe(loop_item(task)),
        due_at=who.due_at,
        created_at=now,
    )
    uow.session.add(work)
    for group in dict.fromkeys(who.candidate_groups):
        uow.session.add(
            WorkTaskCandidate(
                task_id=work.id,
                group_name=group,
                state="ready",
                process_id=definition.process_id,
                due_at=who.due_at,
            )
        )


def _reopen(session, indexed: WorkTask, now) -> None:
    """A finished step made ready again (returned to, withdrawn): back to whoever did it."""
    indexed.assignee = indexed.completed_by or indexed.assignee
    indexed.claimed_at = now if indexed.assignee else None
    indexed.completed_at = None
    indexed.completed_by = None
    indexed.state = "ready"
    session.execute(
        update(WorkTaskCandidate).where(WorkTaskCandidate.task_id == indexed.id).values(state="ready")
    )


def _set_state(session, indexed: WorkTask, state: str, now) -> None:
    indexed.state = state
    if state != "ready" and indexed.completed_at is None:
        indexed.completed_at = now
    session.execute(
        update(WorkTaskCandidate).where(WorkTaskCandidate.task_id == indexed.id).values(state=state)
    )


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
