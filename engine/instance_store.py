"""Loading and saving instances: the only code that reads or writes workflow state.

``load`` returns the workflow from the per-process cache when the row version still
matches, otherwise from the task rows. ``save`` writes only what the step changed
(see :mod:`engine.state`), keeps the indexes in step, and relies on the row's
version column so that of two concurrent steps on one instance exactly one commits.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from . import event_index, task_index
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
class LoadedInstance:
    """An instance row with its live workflow, as one step sees it."""

    row: ProcessInstance
    definition: DefinitionInfo
    workflow: BpmnWorkflow
    before: dict = field(default_factory=dict)  # fingerprint taken at load
    is_new: bool = False
    # task id -> user, for human tasks this step completed (written to the task index).
    completed_by: dict[str, str | None] = field(default_factory=dict)
    # Correlation values at load: message subscriptions are rewritten only when they change.
    correlations_before: dict = field(default_factory=dict)


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
    row = ProcessInstance(
        id=str(uuid.uuid4()),
        definition_id=definition.id,
        process_id=definition.process_id,
        business_key=business_key,
        status="running",
        started_by=started_by,
        call_definitions=call_definitions,
        state_meta={},
    )
    return LoadedInstance(row=row, definition=definition, workflow=workflow, is_new=True)


def load(uow: UnitOfWork, instance_id: str) -> LoadedInstance:
    session = uow.session
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        raise InstanceNotFound("no process instance with this id", instance_id=instance_id)
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
        workflow = uow.env.codec.restore(row.state_meta, bodies, spec, subs)
        workflow.script_engine = uow.env.script_engine
        before = fingerprint(workflow)
    return LoadedInstance(row=row, definition=definition, workflow=workflow, before=before,
                          correlations_before=correlations_of(workflow))


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
    if loaded.is_new:
        session.add(row)
    instance_id = row.id  # read now: after a failed flush the row's attributes are expired
    uow.saved_status[instance_id] = row.status
    try:
        session.flush()  # the version check: of two concurrent steps only one gets past here
    except StaleDataError:
        raise Conflict(
            "the instance was changed by someone else in the meantime; reload and try again",
            instance_id=instance_id,
        ) from None
    _write_task_rows(uow, instance_id, delta)
    task_index.sync(uow, loaded, delta)
    event_index.sync(uow, loaded, delta)
    for listener in env.step_listeners:
        listener(uow, loaded, delta)
    _remember_after_commit(uow, loaded, delta.fingerprint)
    return delta


def _status_of(wf: BpmnWorkflow, current: str) -> str:
    if current in {"cancelled", "terminated", "suspended"}:
        return current
    if wf.completed:  # set by SpiffWorkflow when the End task completes; no tree walk
        return "completed" if wf.success else "terminated"
    return "running"


def _write_task_rows(uow: UnitOfWork, instance_id: str, delta: StateDelta) -> None:
    inserts, updates = [], []
    for task_id, body in delta.upserts.items():
        row = {"instance_id": instance_id, "task_id": task_id, "body": body}
        (inserts if task_id in delta.inserts else updates).append(row)
    session = uow.session
    if inserts:
        session.execute(insert(InstanceTaskState), inserts)
    if updates:
        session.execute(update(InstanceTaskState), updates)
    if delta.deletes:
        session.execute(
            delete(InstanceTaskState).where(
                InstanceTaskState.instance_id == instance_id,
                InstanceTaskState.task_id.in_(delta.deletes),
            )
        )


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
