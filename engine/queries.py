"""Read-only views: worklists, instances, history, incidents, definitions.

Worklists read only the index tables; instance views load the workflow only when
the caller asks for its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, or_, select

from . import instance_store
from .actors import Actor
from .errors import TaskNotFound
from .history import details_of
from .models import (
    HistoryEvent,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    WorkTask,
    WorkTaskCandidate,
)


@dataclass(frozen=True)
class TaskFilter:
    state: str | None = "ready"
    assignee: str | None = None
    group: str | None = None
    process_id: str | None = None
    instance_id: str | None = None
    # Only tasks this actor may work (assigned to them, or offered to them or their groups).
    visible_to: Actor | None = None
    limit: int = 50
    offset: int = 0


def list_tasks(uow, flt: TaskFilter) -> list[dict[str, Any]]:
    """Tasks matching the filter, soonest deadline first (no deadline last)."""
    query = _group_queue(flt) if flt.group is not None else _task_query(flt)
    for column, value in ((WorkTask.assignee, flt.assignee), (WorkTask.instance_id, flt.instance_id)):
        if value is not None:
            query = query.where(column == value)
    query = _visible(query, flt.visible_to)
    rows = uow.session.scalars(query.limit(flt.limit).offset(flt.offset))
    return [task_view(t) for t in rows]


def _group_queue(flt: TaskFilter) -> Select:
    # Filter and sort on the candidate row so the page is one index range scan.
    c = WorkTaskCandidate
    query = select(WorkTask).join(c, c.task_id == WorkTask.id).where(c.group_name == flt.group)
    if flt.state is not None:
        query = query.where(c.state == flt.state)
    if flt.process_id is not None:
        query = query.where(c.process_id == flt.process_id)
    return query.order_by(c.due_sort, c.task_id)


def _task_query(flt: TaskFilter) -> Select:
    query = select(WorkTask)
    if flt.state is not None:
        query = query.where(WorkTask.state == flt.state)
    if flt.process_id is not None:
        query = query.where(WorkTask.process_id == flt.process_id)
    return query.order_by(WorkTask.due_at.is_(None), WorkTask.due_at, WorkTask.created_at, WorkTask.id)


def _visible(query: Select, actor: Actor | None) -> Select:
    if actor is None or actor.unrestricted:
        return query
    offered = exists().where(
        WorkTaskCandidate.task_id == WorkTask.id, WorkTaskCandidate.group_name.in_(sorted(actor.groups))
    )
    return query.where(
        or_(
            WorkTask.assignee == actor.user,
            (WorkTask.assignee.is_(None) & offered),
        )
    )


def task_view(t: WorkTask) -> dict[str, Any]:
    return {
        "id": t.id,
        "instance_id": t.instance_id,
        "process_id": t.process_id,
        "business_key": t.business_key,
        "element_id": t.element_id,
        "name": t.name,
        "kind": t.kind,
        "state": t.state,
        "assignee": t.assignee,
        "candidate_groups": t.candidate_groups or [],
        "candidate_users": t.candidate_users or [],
        "form_key": t.form_key,
        "loop_item": t.loop_item,
        "due_at": t.due_at,
        "created_at": t.created_at,
        "completed_at": t.completed_at,
        "completed_by": t.completed_by,
    }


def get_task(uow, task_id: str, *, with_data: bool = False) -> dict[str, Any]:
    work = uow.session.get(WorkTask, task_id)
    if work is None:
        raise TaskNotFound("no task with this id", task_id=task_id)
    view = task_view(work)
    if with_data:
        loaded = instance_store.load(uow, work.instance_id)
        task = loaded.workflow.find_task(task_id)
        view["data"] = dict(task.data) if task is not None else {}
    return view


def get_instance(uow, instance_id: str, *, with_data: bool = True) -> dict[str, Any]:
    loaded = instance_store.load(uow, instance_id)
    row = loaded.row
    view = {
        "id": row.id,
        "process_id": row.process_id,
        "definition_id": row.definition_id,
        "definition_version": loaded.definition.version,
        "business_key": row.business_key,
        "status": row.status,
        "started_by": row.started_by,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "version": row.version,
        "open_tasks": list_tasks(uow, TaskFilter(instance_id=instance_id, limit=1000)),
        "incidents": [incident_view(i) for i in uow.session.scalars(
            select(Incident).where(Incident.instance_id == instance_id, Incident.status == "open"))],
    }
    if with_data:
        wf = loaded.workflow
        source = wf.last_task if wf.last_task is not None else wf.task_tree
        view["data"] = dict(source.data)
    # Put the workflow back for the next step, untouched by this read.
    uow.env.instances.put(row.id, _cache_entry(loaded))
    return view


def _cache_entry(loaded):
    from .instance_cache import CachedInstance

    return CachedInstance(loaded.row.version, loaded.workflow, loaded.before)


def history(uow, instance_id: str) -> list[dict[str, Any]]:
    rows = uow.session.scalars(
        select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
    )
    return [
        {"id": h.id, "action": h.action, "actor": h.actor, "task_id": h.task_id,
         "element_id": h.element_id, "details": details_of(uow.env, instance_id, h.details), "at": h.at}
        for h in rows
    ]


def list_instances(uow, *, process_id=None, status=None, business_key=None, limit=50, offset=0):
    query = select(ProcessInstance)
    for column, value in ((ProcessInstance.process_id, process_id), (ProcessInstance.status, status),
                          (ProcessInstance.business_key, business_key)):
        if value is not None:
            query = query.where(column == value)
    rows = uow.session.scalars(query.order_by(ProcessInstance.started_at.desc()).limit(limit).offset(offset))
    return [
        {"id": r.id, "process_id": r.process_id, "definition_id": r.definition_id, "status": r.status,
         "business_key": r.business_key, "started_at": r.started_at, "ended_at": r.ended_at}
        for r in rows
    ]


def incident_view(i: Incident) -> dict[str, Any]:
    return {"id": i.id, "instance_id": i.instance_id, "task_id": i.task_id, "element_id": i.element_id,
            "kind": i.kind, "message": i.message, "status": i.status, "attempts": i.attempts,
            "next_retry_at": i.next_retry_at, "created_at": i.created_at}


def list_incidents(uow, *, status: str | None = "open", instance_id: str | None = None):
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == status)
    if instance_id is not None:
        query = query.where(Incident.instance_id == instance_id)
    return [incident_view(i) for i in uow.session.scalars(query.order_by(Incident.id))]


def list_definitions(uow, process_id: str | None = None):
    query = select(ProcessDefinition)
    if process_id is not None:
        query = query.where(ProcessDefinition.process_id == process_id)
    rows = uow.session.scalars(query.order_by(ProcessDefinition.process_id, ProcessDefinition.version))
    return [
        {"id": d.id, "process_id": d.process_id, "version": d.version, "name": d.name,
         "content_hash": d.content_hash, "deployed_at": d.deployed_at, "form_keys": d.form_keys,
         "lint": d.lint}
        for d in rows
    ]
