"""Use cases that move instances: start, complete, claim, cancel, suspend, resume.

Each takes a fresh :class:`~engine.unit_of_work.UnitOfWork`, ids and plain values,
and commits once; any error leaves nothing stored.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.util import identity_key
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import assignment, call_graph, history, instance_store, jobs
from .actors import Actor
from .expressions import engine_error_behind
from .errors import (
    DefinitionNotFound,
    EngineError,
    InvalidData,
    InvalidState,
    NotAllowed,
    TaskNotFound,
    TaskNotReady,
)
from .models import ProcessDefinition, ProcessInstance, TimerIndex, WorkTask, utcnow
from .task_kinds import is_deferred

MAX_DATA_BYTES = 1024 * 1024
# Objects and arrays inside each other in task data: serializing and copying data recurse per level.
MAX_DATA_DEPTH = 64
# Case data key under which each form step's submission is kept (see complete_task).
TASKS_NAMESPACE = "tasks"
RESERVED_KEYS = {TASKS_NAMESPACE}


class ProcessStepFailed(EngineError):
    """The process could not continue past an element (condition, decision table, ...)."""

    code = "process-step-failed"


# -- starting ---------------------------------------------------------------
def start_instance(
    uow,
    *,
    process_id: str | None = None,
    definition_id: int | None = None,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    actor: Actor | None = None,
    locale: str = "zh-CN",
    form_versions: dict[str, int] | None = None,
) -> str:
    """Start a case of the latest (or the given) definition; returns the instance id.

    ``form_versions`` pins the forms the case uses (e.g. those a service item was
    published with); by default the latest published version of each form key.
    """
    data = check_data(data or {})
    actor = actor or Actor.system()
    with uow:
        definition = _definition(uow, process_id, definition_id)
        calls = resolve_call_definitions(uow, definition)
        loaded = instance_store.create(
            uow, definition, business_key=business_key, started_by=actor.user, call_definitions=calls
        )
        uow.instance_id = loaded.row.id  # for before_commit callbacks (e.g. the API's audit record)
        if form_versions is not None:
            loaded.row.form_versions = dict(form_versions)
        elif uow.env.forms is not None:
            loaded.row.form_versions = uow.env.forms.pin(uow.session, definition.form_keys or [])
        _check_start_form(uow, loaded, data, locale, actor)
        for task in loaded.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        run_engine(loaded)
        delta = instance_store.save(uow, loaded)
        history.record(uow, loaded.row.id, "instance.started", actor.user, definition=definition.version)
        schedule_deferred(uow, loaded, delta.upserts)
        uow.commit()
        return loaded.row.id


TIMER_START = "timer-start"


def replace_timer_start_instance(uow, definition: ProcessDefinition, start_ids: list[str]) -> str:
    """Open the instance that waits at a timer start event, replacing an older version's.

    A process with a timer start event begins when its timer fires; the waiting
    instance is what the scheduler fires. Instances of earlier versions that are
    still waiting at their start timer are cancelled (the new version's timer rules).
    """
    stale = uow.session.scalars(
        select(ProcessInstance.id)
        .join(TimerIndex, TimerIndex.instance_id == ProcessInstance.id)
        .where(ProcessInstance.process_id == definition.process_id,
               ProcessInstance.started_by == TIMER_START,
               ProcessInstance.status == "running",
               TimerIndex.element_id.in_(start_ids))
    ).all()
    for instance_id in stale:
        loaded = instance_store.load(uow, instance_id)
        loaded.workflow.cancel()
        history.record(uow, instance_id, "instance.cancelled", TIMER_START, reason="replaced by a new version")
        instance_store.save(uow, loaded, status="cancelled")
    calls = resolve_call_definitions(uow, definition)
    loaded = instance_store.create(uow, definition, business_key=None, started_by=TIMER_START,
                                   call_definitions=calls)
    run_engine(loaded)
    instance_store.save(uow, loaded)
    history.record(uow, loaded.row.id, "instance.started", TIMER_START, definition=definition.version)
    return loaded.row.id


def _definition(uow, process_id, definition_id) -> ProcessDefinition:
    if definition_id is not None:
        return instance_store.get_definition(uow, definition_id)
    definition = latest_definition(uow, process_id)
    if definition is None:
        raise DefinitionNotFound("no process is deployed with this id", process_id=process_id)
    return definition


def latest_definition(uow, process_id: str) -> ProcessDefinition | None:
    return uow.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def resolve_call_definitions(uow, definition: ProcessDefinition) -> dict[str, int]:
    """Pin every call activity's target, however deep: "latest" now, or the version the BPMN names."""
    return call_graph.pinned_calls(uow.session, definition)


def _check_start_form(uow, loaded, data, locale, actor: Actor) -> None:
    for spec in loaded.workflow.spec.task_specs.values():
        if isinstance(spec, StartEvent):
            form_key = assignment.attributes_of(spec).get("formKey")
            _check_form(uow, loaded.row, form_key, data, locale, actor, element_id=spec.bpmn_id)


def _check_form(uow, row, form_key, data, locale, actor: Actor, **where) -> bool:
    """Check data against the case's pinned version of the form; True if there is one.

    The uploaded materials it cites must be the actor's own or already the case's; they
    belong to the case from then on (committed with the step).
    """
    forms = uow.env.forms
    if not form_key or forms is None:
        return False
    version = (row.form_versions or {}).get(form_key)
    errors = forms.check(uow.session, form_key, version, data, locale, case_id=row.id, submitter=actor.user)
    if errors:
        raise InvalidData("the data does not fit the step's form", errors=errors, form_key=form_key,
                          form_version=version, **where)
    forms.attach_materials(uow.session, form_key, version, data, case_id=row.id, submitter=actor.user)
    return True


# -- working tasks ----------------------------------------------------------
def complete_task(uow, task_id: str, data: dict[str, Any] | None = None, *, actor: Actor,
                  locale: str = "zh-CN") -> str:
    """Complete a human task with the given data; returns the instance id.

    With a form bound, the data must fit the case's version of it (closed: no
    undeclared fields); it is merged into the case data, where conditions read it,
    and kept intact under ``tasks[<element id>]`` as that step's own record.
    """
    data = check_data(data or {})
    with uow:
        work = _task_to_complete(uow, task_id)
        require_ready(work)
        require_access(work, actor)
        loaded = instance_store.load(uow, work.instance_id)
        instance_store.discard_on_failure(uow, work.instance_id)
        require_running(loaded.row)
        task = task_in_case(loaded, task_id, TaskState.READY)
        has_form = _check_form(uow, loaded.row, work.form_key, data, locale, actor, task_id=task_id,
                               element_id=work.element_id)
        task.data.update(data)
        if has_form:
            task.data[TASKS_NAMESPACE] = {**task.data.get(TASKS_NAMESPACE, {}), work.element_id: data}
        run_task(task)
        loaded.completed_by[task_id] = actor.user
        history.record(
            uow, work.instance_id, "task.completed", actor.user,
            task_id=task_id, element_id=work.element_id, data=data,
        )
        run_engine(loaded)
        delta = instance_store.save(uow, loaded)
        schedule_deferred(uow, loaded, delta.upserts)
        uow.commit()
        return loaded.row.id


def claim_task(uow, task_id: str, *, actor: Actor) -> None:
    """Take a group task as one's own; fails if someone else holds it."""
    with uow:
        work = work_task(uow, task_id)
        require_ready(work)
        require_access(work, actor)
        if work.assignee == actor.user:
            return
        claimed = uow.session.execute(
            update(WorkTask)
            .where(WorkTask.id == task_id, WorkTask.assignee.is_(None), WorkTask.state == "ready")
            .values(assignee=actor.user, claimed_at=utcnow())
        ).rowcount
        if not claimed:
            raise NotAllowed("the task is already claimed by someone else", task_id=task_id)
        history.record(uow, work.instance_id, "task.claimed", actor.user, task_id=task_id,
                       element_id=work.element_id)
        uow.commit()


def unclaim_task(uow, task_id: str, *, actor: Actor) -> None:
    """Give a claimed task back to its groups."""
    with uow:
        work = work_task(uow, task_id)
        require_ready(work)
        if work.assignee is None:
            return
        if work.assignee != actor.user and not actor.unrestricted:
            raise NotAllowed("only the holder can give the task back", task_id=task_id)
        work.assignee, work.claimed_at = None, None
        history.record(uow, work.instance_id, "task.unclaimed", actor.user, task_id=task_id,
                       element_id=work.element_id)
        uow.commit()


_WORK = WorkTask.__table__
_SELECT_WORK = select(_WORK.c.id, _WORK.c.instance_id, _WORK.c.element_id, _WORK.c.form_key, _WORK.c.state,
                      _WORK.c.assignee, _WORK.c.candidate_groups, _WORK.c.candidate_users
                      ).where(_WORK.c.id == bindparam("task_id"))


def _task_to_complete(uow, task_id: str):
    """The task's index row, read-only: the caller's copy when it already loaded it in this
    transaction (the API's access check), else one Core read (no ORM entity to build)."""
    known = uow.session.identity_map.get(identity_key(WorkTask, task_id))
    if known is not None:
        return known
    row = uow.session.execute(_SELECT_WORK, {"task_id": task_id}).first()
    if row is None:
        raise TaskNotFound("no task with this id", task_id=task_id)
    return row


def work_task(uow, task_id: str) -> WorkTask:
    work = uow.session.get(WorkTask, task_id)
    if work is None:
        raise TaskNotFound("no task with this id", task_id=task_id)
    return work


def require_ready(work: WorkTask) -> None:
    if work.state != "ready":
        raise TaskNotReady(f"the task is already {work.state}", task_id=work.id, state=work.state)


def task_in_case(loaded, task_id: str, state: TaskState):
    """The loaded case's task, in the state its index row promised; else "no longer".

    The row is read (the access check) before the case is loaded: another worker's
    step (a return, a removed countersigner) may commit in between and take the task
    out of the case or finish it.
    """
    task = loaded.workflow.find_task(task_id)
    if task is None or task.state != state:
        raise TaskNotReady(f"the task is no longer {TaskState.get_name(state).lower()}", task_id=task_id)
    return task


def require_access(work: WorkTask, actor: Actor) -> None:
    if not actor.may_work(work.assignee, work.candidate_groups or [], work.candidate_users or []):
        raise NotAllowed("this task is not yours or your groups'", task_id=work.id, user=actor.user)


def require_running(row) -> None:
    if row.status != "running":
        raise InvalidState(f"the instance is {row.status}", instance_id=row.id, status=row.status)


# -- instance lifecycle -----------------------------------------------------
def cancel_instance(uow, instance_id: str, *, actor: Actor, reason: str | None = None) -> None:
    with uow:
        loaded = instance_store.load(uow, instance_id)
        instance_store.discard_on_failure(uow, instance_id)
        if loaded.row.status in {"completed", "cancelled", "terminated"}:
            raise InvalidState(f"the instance is already {loaded.row.status}", instance_id=instance_id)
        loaded.workflow.cancel()
        history.record(uow, instance_id, "instance.cancelled", actor.user, reason=reason)
        instance_store.save(uow, loaded, status="cancelled")
        uow.commit()


def suspend_instance(uow, instance_id: str, *, actor: Actor, reason: str | None = None) -> None:
    _set_status(uow, instance_id, actor, "running", "suspended", "instance.suspended", reason)


def resume_instance(uow, instance_id: str, *, actor: Actor) -> None:
    _set_status(uow, instance_id, actor, "suspended", "running", "instance.resumed", None)


def _set_status(uow, instance_id, actor, expected, new, action, reason) -> None:
    with uow:
        loaded = instance_store.load(uow, instance_id)
        if loaded.row.status != expected:
            raise InvalidState(
                f"the instance is {loaded.row.status}, not {expected}", instance_id=instance_id
            )
        history.record(uow, instance_id, action, actor.user, reason=reason)
        instance_store.save(uow, loaded, status=new)
        if new == "running":
            schedule_deferred(uow, loaded)
        uow.commit()


# -- running the engine -----------------------------------------------------
def run_engine(loaded) -> None:
    """Advance past gateways, events and rule tasks; stop at human and deferred work."""
    try:
        loaded.workflow.do_engine_steps()
    except SpiffWorkflowException as err:
        raise step_failure(err) from err


def run_task(task) -> None:
    try:
        task.run()
    except SpiffWorkflowException as err:
        raise step_failure(err) from err


def step_failure(err: SpiffWorkflowException) -> ProcessStepFailed:
    task = getattr(err, "task", None)
    spec = task.task_spec if task is not None else getattr(err, "task_spec", None)
    cause = engine_error_behind(err)
    message = cause.message if cause is not None else str(getattr(err, "error_msg", err))
    return ProcessStepFailed(
        f"the process cannot continue: {message}",
        element_id=getattr(spec, "bpmn_id", None),
        element_name=getattr(spec, "bpmn_name", None),
        line=getattr(err, "line_number", None) or None,
    )


def schedule_deferred(uow, loaded, task_ids=None) -> None:
    """Queue a job for every deferred (service/script) task that is ready.

    ``task_ids`` limits the look to the tasks a step changed; None looks at all.
    """
    wf = loaded.workflow
    if loaded.row.status != "running":
        return
    if task_ids is None:
        candidates = wf.get_tasks(state=TaskState.READY, manual=True)
    else:
        candidates = [t for t in map(wf.find_task, task_ids) if t is not None]
    for task in candidates:
        if task.state == TaskState.READY and is_deferred(task.task_spec):
            jobs.schedule(uow, "run_task", {"instance_id": loaded.row.id, "task_id": str(task.id)},
                          dedup_key=f"run_task:{task.id}")


def check_data(data: Any) -> dict[str, Any]:
    """Task and start data must be a JSON object of bounded size with identifier keys."""
    if not isinstance(data, dict):
        raise InvalidData("data must be a JSON object", errors=[{"pointer": "", "message": "not an object"}])
    errors = [
        {"pointer": f"/{key}", "message": "field names must be identifiers, not start with '_' and not be "
                                           f"one of {sorted(RESERVED_KEYS)}"}
        for key in data
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_") or key in RESERVED_KEYS
    ]
    if errors:
        raise InvalidData("the data has field names the process cannot use", errors=errors)
    too_deep = _nested_too_deep(data)
    if too_deep is not None:
        raise InvalidData(f"data is nested deeper than {MAX_DATA_DEPTH} levels", limit=MAX_DATA_DEPTH,
                          errors=[{"pointer": too_deep, "message": f"nested deeper than {MAX_DATA_DEPTH} levels"}])
    try:
        size = len(json.dumps(data, ensure_ascii=False))
    except (TypeError, ValueError) as err:
        raise InvalidData(f"data is not plain JSON: {err}") from None
    if size > MAX_DATA_BYTES:
        raise InvalidData("data is too large", size=size, limit=MAX_DATA_BYTES)
    return data


def _nested_too_deep(data: Any) -> str | None:
    """The JSON pointer of the first value nested deeper than :data:`MAX_DATA_DEPTH`, without recursing."""
    stack = [(data, 0, "")]
    while stack:
        value, depth, pointer = stack.pop()
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DATA_DEPTH:
            return pointer
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend((item, depth + 1, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
                     for key, item in items)
    return None
