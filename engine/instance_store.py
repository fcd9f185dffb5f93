"""Loading and saving instances: the only code that reads or writes workflow state.

``load`` returns the workflow from the per-process cache when the row version still
matches, otherwise from the task rows. ``save`` writes only what the step changed
(see :mod:`engine.state`), keeps the indexes in step, and relies on the row's
version column so that of two concurrent steps on one instance exactly one commits.
Personal identifiers are sealed on the way to the rows and opened on the way back
(:mod:`engine.sealing`): the workflow in memory and in the cache holds plaintext.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, insert, select, update

from . import event_index, event_subprocess, history, task_index
from .db import pipelined
from .errors import Conflict, DefinitionNotFound, InstanceNotFound
from .instance_cache import CachedInstance
from .models import InstanceTaskState, ProcessDefinition, ProcessInstance, utcnow
from .state import StateDelta, fingerprint
from .unit_of_work import UnitOfWork
from .workflow import YiwangWorkflow


@dataclass(frozen=True)
class DefinitionInfo:
    """What a step needs of its (immutable) definition; cached per process."""

    id: int
    process_id: str
    version: int
    form_keys: tuple[str, ...]

    @classmethod
    def of(cls, definition: ProcessDefinition) -> "DefinitionInfo":
        return cls(definition.id, definition.process_id, definition.version, tuple(definition.form_keys or ()))


@dataclass
class InstanceRow:
    """The ``process_instance`` row of a loaded instance, read and written with Core statements.

    A plain object rather than an ORM entity: a step reads one row and writes it
    back once with a version check, and the ORM's identity map and flush would
    cost more than the step itself (see docs/performance.md).
    """

    id: str
    definition_id: int
    process_id: str
    business_key: str | None
    status: str
    call_definitions: dict
    form_versions: dict
    started_by: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    version: int
    state_meta: dict | None = None  # read only when the instance is not in the process cache


_INSTANCES = ProcessInstance.__table__
_ROW_COLUMNS = [c for c in _INSTANCES.c if c.name != "state_meta"]
_SELECT_ROW = select(*_ROW_COLUMNS).where(_INSTANCES.c.id == bindparam("of_instance"))
_SELECT_META = select(_INSTANCES.c.state_meta).where(_INSTANCES.c.id == bindparam("of_instance"))
_INSERT_ROW = insert(_INSTANCES)
# The optimistic lock: of two steps computed on the same version, only one matches.
_UPDATE_ROW = (update(_INSTANCES)
               .where(_INSTANCES.c.id == bindparam("of_instance"), _INSTANCES.c.version == bindparam("of_version"))
               .values(status=bindparam("new_status"), state_meta=bindparam("new_meta"),
                       updated_at=bindparam("new_updated_at"), ended_at=bindparam("new_ended_at"),
                       version=bindparam("new_version")))


@dataclass
class LoadedInstance:
    """An instance row with its live workflow, as one step sees it."""

    row: InstanceRow
    definition: DefinitionInfo
    workflow: BpmnWorkflow
    before: dict = field(default_factory=dict)  # fingerprint taken at load
    is_new: bool = False
    # task id -> user, for human tasks this step completed (written to the task index).
    completed_by: dict[str, str | None] = field(default_factory=dict)
    # Correlation values at load: message subscriptions are rewritten only when they change.
    correlations_before: dict = field(default_factory=dict)
    # Ids of the tasks waiting for an event at load: the event index is rewritten only when they change.
    waiting_before: frozenset = field(default_factory=frozenset)


def get_definition(uow: UnitOfWork, definition_id: int) -> ProcessDefinition:
    definition = uow.session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise DefinitionNotFound("no process definition with this id", definition_id=definition_id)
    return definition


def definition_info(uow: UnitOfWork, definition_id: int) -> DefinitionInfo:
    """The definition's step-relevant fields, from this process's cache after the first read."""
    cache = uow.env.definitions
    info = cache.get(definition_id)
    if info is None:
        info = cache[definition_id] = DefinitionInfo.of(get_definition(uow, definition_id))
    return info


def _stored_spec(uow: UnitOfWork, definition_id: int):
    return lambda: get_definition(uow, definition_id).spec


def specs_for(uow: UnitOfWork, definition_id: int, call_definitions: dict[str, int]):
    """The definition's specs plus those of the called processes pinned for an instance."""
    spec, subs = uow.env.specs.get(definition_id, _stored_spec(uow, definition_id))
    if call_definitions:
        subs = dict(subs)
        for process_id, def_id in call_definitions.items():
            called_spec, called_subs = uow.env.specs.get(def_id, _stored_spec(uow, def_id))
            subs.setdefault(process_id, called_spec)
            for name, sub in called_subs.items():
                subs.setdefault(name, sub)
    return spec, subs


def create(
    uow: UnitOfWork,
    definition: ProcessDefinition | DefinitionInfo,
    *,
    business_key: str | None,
    started_by: str | None,
    call_definitions: dict[str, int],
) -> LoadedInstance:
    """A new instance in memory; :func:`save` stores it."""
    if isinstance(definition, ProcessDefinition):
        definition = DefinitionInfo.of(definition)
    spec, subs = specs_for(uow, definition.id, call_definitions)
    workflow = YiwangWorkflow(spec, subs, script_engine=uow.env.script_engine)
    now = utcnow()
    row = InstanceRow(
        id=str(uuid.uuid4()),
        definition_id=definition.id,
        process_id=definition.process_id,
        business_key=business_key,
        status="running",
        call_definitions=call_definitions,
        form_versions={},
        started_by=started_by,
        started_at=now,
        updated_at=now,
        ended_at=None,
        version=0,
        state_meta={},
    )
    return LoadedInstance(row=row, definition=definition, workflow=workflow, is_new=True)


def load(uow: UnitOfWork, instance_id: str) -> LoadedInstance:
    session = uow.session
    found = session.execute(_SELECT_ROW, {"of_instance": instance_id}).mappings().first()
    if found is None:
        raise InstanceNotFound("no process instance with this id", instance_id=instance_id)
    row = InstanceRow(**found)
    definition = definition_info(uow, row.definition_id)
    cached = uow.env.instances.take(instance_id, row.version)
    if cached is not None:
        workflow, before = cached.workflow, cached.fingerprint
    else:
        bodies = dict(
            session.execute(
                select(InstanceTaskState.task_id, InstanceTaskState.body).where(
                    InstanceTaskState.instance_id == instance_id
                )
            ).all()
        )
        spec, subs = specs_for(uow, definition.id, row.call_definitions or {})
        row.state_meta = session.execute(_SELECT_META, {"of_instance": instance_id}).scalar_one()
        row.state_meta, bodies = _opened(uow, instance_id, row.state_meta, bodies)
        workflow = uow.env.codec.restore(row.state_meta, bodies, spec, subs)
        workflow.script_engine = uow.env.script_engine
        before = fingerprint(workflow)
    uow.personal_fields[instance_id] = uow.env.protector.fields_for(session, row.form_versions)
    return LoadedInstance(row=row, definition=definition, workflow=workflow, before=before,
                          correlations_before=correlations_of(workflow), waiting_before=waiting_events(workflow))


def _opened(uow: UnitOfWork, instance_id: str, meta: dict, bodies: dict[str, dict]) -> tuple[dict, dict]:
    """The stored state with its sealed values opened (SealedDataError when one does not open)."""
    protector, context = uow.env.protector, history.context_of(instance_id)
    return protector.open(meta, context), {tid: task_body_with(protector.open, body, context)
                                            for tid, body in bodies.items()}


# Where a task body holds case data; the rest (ids, states, spec names) is never personal.
_DATA_PARTS = ("data", "internal_data")


def task_body_with(change, body: dict, *args) -> dict:
    """The task body with ``change(part, *args)`` applied to its data parts (itself when nothing changed)."""
    changed = None
    for part in _DATA_PARTS:
        value = body.get(part)
        new = change(value, *args)
        if new is not value:
            changed = changed or dict(body)
            changed[part] = new
    return changed or body


def waiting_events(workflow) -> frozenset:
    """Ids of the tasks SpiffWorkflow's event manager holds as waiting for an event."""
    return frozenset(workflow.event_manager.tasks)


def correlations_of(workflow) -> dict:
    """A copy of the correlation values of the workflow and its subprocesses."""
    values = {None: copy.deepcopy(workflow.correlations)}
    for parent_id, sub in workflow.subprocesses.items():
        if sub.correlations:
            values[parent_id] = copy.deepcopy(sub.correlations)
    return values


def save(uow: UnitOfWork, loaded: LoadedInstance, *, status: str | None = None) -> StateDelta:
    """Write the step's changes and the indexes; the caller commits."""
    session, env, row, wf = uow.session, uow.env, loaded.row, loaded.workflow
    delta = env.codec.dump_all(wf) if loaded.is_new else env.codec.diff(wf, loaded.before)
    row.state_meta = delta.meta
    row.updated_at = utcnow()
    row.status = status or _status_of(wf, row.status)
    if row.status in {"completed", "cancelled", "terminated"} and row.ended_at is None:
        row.ended_at = row.updated_at
    instance_id = row.id
    uow.saved_status[instance_id] = row.status
    fields = uow.personal_fields[instance_id] = env.protector.fields_for(session, row.form_versions)
    sealed_meta = env.protector.seal(row.state_meta, history.context_of(instance_id), fields)
    _write_row(session, row, sealed_meta, is_new=loaded.is_new)  # the version check: answered before anything else
    with pipelined(session):
        if row.status == "completed" and row.ended_at == row.updated_at:  # it ended with this step
            _record_end(uow, instance_id, wf, delta)
        _write_task_rows(uow, instance_id, delta, fields)
        task_index.sync(uow, loaded, delta)
        event_index.sync(uow, loaded, delta)
        event_subprocess.record_started(uow, loaded, delta)
        for listener in env.step_listeners:
            listener(uow, loaded, delta)
    _remember_after_commit(uow, loaded, delta.fingerprint)
    return delta


def _record_end(uow: UnitOfWork, instance_id: str, wf: BpmnWorkflow, delta: StateDelta) -> None:
    """History: the case completed, and at which end event(s) of its process (a refusal, an approval ...)."""
    ends = []
    for task_id in delta.upserts:
        task = wf.find_task(task_id)
        if (task is not None and task.workflow is wf and isinstance(task.task_spec, EndEvent)
                and task.state == TaskState.COMPLETED):
            ends.append(task.task_spec.bpmn_id)
    history.record(uow, instance_id, "instance.completed", None,
                   element_id=ends[0] if ends else None, end_events=sorted(ends))


def _write_row(session, row: InstanceRow, sealed_meta: dict, *, is_new: bool) -> None:
    """Insert the row, or update it if nobody else did since it was read (else :class:`Conflict`)."""
    if is_new:
        row.version = 1
        session.execute(_INSERT_ROW, {**{c.name: getattr(row, c.name) for c in _INSTANCES.c},
                                      "state_meta": sealed_meta})
        return
    updated = session.execute(_UPDATE_ROW, {
        "of_instance": row.id, "of_version": row.version, "new_version": row.version + 1,
        "new_status": row.status, "new_meta": sealed_meta, "new_updated_at": row.updated_at,
        "new_ended_at": row.ended_at,
    }).rowcount
    if updated != 1:  # of two concurrent steps only one gets past here
        raise Conflict("the instance was changed by someone else in the meantime; reload and try again",
                       instance_id=row.id)
    row.version += 1


def _status_of(wf: BpmnWorkflow, current: str) -> str:
    if current in {"cancelled", "terminated", "suspended"}:
        return current
    if wf.completed:  # set by SpiffWorkflow when the End task completes; no tree walk
        return "completed" if wf.success else "terminated"
    return "running"


_TASKS = InstanceTaskState.__table__
# Built once (Core, executemany): the per-step writes cost no statement building.
_INSERT_TASKS = insert(_TASKS)
_UPDATE_TASKS = (update(_TASKS)
                 .where(_TASKS.c.instance_id == bindparam("of_instance"), _TASKS.c.task_id == bindparam("of_task"))
                 .values(body=bindparam("new_body")))
_DELETE_TASKS = delete(_TASKS).where(_TASKS.c.instance_id == bindparam("of_instance"),
                                     _TASKS.c.task_id.in_(bindparam("task_ids", expanding=True)))


def _write_task_rows(uow: UnitOfWork, instance_id: str, delta: StateDelta, fields: frozenset[str]) -> None:
    inserts, updates = [], []
    seal, context = uow.env.protector.seal, history.context_of(instance_id)
    for task_id, plain in delta.upserts.items():
        body = task_body_with(seal, plain, context, fields)
        if task_id in delta.inserts:
            inserts.append({"instance_id": instance_id, "task_id": task_id, "body": body})
        else:
            updates.append({"of_instance": instance_id, "of_task": task_id, "new_body": body})
    session = uow.session
    if inserts:
        session.execute(_INSERT_TASKS, inserts)
    if updates:
        session.execute(_UPDATE_TASKS, updates)
    if delta.deletes:
        session.execute(_DELETE_TASKS, {"of_instance": instance_id, "task_ids": list(delta.deletes)})


def _remember_after_commit(uow: UnitOfWork, loaded: LoadedInstance, after: dict) -> None:
    cache, instance_id = uow.env.instances, loaded.row.id

    def keep() -> None:
        if loaded.row.status in {"running", "suspended"}:
            cache.put(instance_id, CachedInstance(loaded.row.version, loaded.workflow, after))

    uow.after_commit(keep)
    uow.after_rollback(lambda: cache.discard(instance_id))


def discard_on_failure(uow: UnitOfWork, instance_id: str) -> None:
    """A step that fails half-way leaves its workflow object dirty: never reuse it."""
    uow.after_rollback(lambda: uow.env.instances.discard(instance_id))
