"""Events from outside an instance: messages (with correlation), signals and timers.

Candidates are found through ``message_subscription`` and ``timer_index``, never by
loading every instance; SpiffWorkflow then decides whether a waiting event catches.
A message with no ``messageVariable`` on its catch event delivers its payload into
the instance data (what Camunda Modeler users expect).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, select
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import history, instance_store, runtime
from .actors import Actor
from .errors import InvalidState, NotFound
from .models import MessageSubscription, ProcessDefinition, ProcessInstance, SignalSubscription
from .task_kinds import event_definitions, is_timer, message_definition


class NoMatchingEvent(NotFound):
    code = "no-matching-event"


def correlate_message(
    uow,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    correlations: dict[str, Any] | None = None,
    business_key: str | None = None,
    instance_id: str | None = None,
    actor: Actor | None = None,
    within: ColumnElement[bool] | None = None,
    may_start: Collection[str] | None = None,
) -> list[str]:
    """Deliver a message; returns the ids of the instances that caught (or were started by) it.

    Args:
        within: a condition on :class:`ProcessInstance` the cases must meet (the sender's reach);
            cases outside it are not candidates at all, so the answer is the same as if they
            did not exist. None: every case.
        may_start: the process ids a message-start may open a case of; None: any.

    Raises:
        NoMatchingEvent: no case (within reach) was waiting, and none was started.
    """
    payload = runtime.check_data(payload or {})
    actor = actor or Actor.system()
    with uow:
        query = select(MessageSubscription.instance_id).where(MessageSubscription.message_name == name)
        if business_key is not None:
            query = query.where(MessageSubscription.business_key == business_key)
        if instance_id is not None:
            query = query.where(MessageSubscription.instance_id == instance_id)
        if within is not None:
            query = query.join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id).where(within)
        caught = []
        for candidate in dict.fromkeys(uow.session.scalars(query)):
            if _deliver(uow, candidate, name, payload, correlations or {}, actor):
                caught.append(candidate)
        if not caught and instance_id is None:
            caught = _start_by_message(uow, name, payload, correlations or {}, business_key, actor, may_start)
        if not caught:
            raise NoMatchingEvent("no instance is waiting for this message", message_name=name,
                                  business_key=business_key)
        uow.commit()
        return caught


def _deliver(uow, instance_id, name, payload, correlations, actor) -> bool:
    loaded = instance_store.load(uow, instance_id)
    instance_store.discard_on_failure(uow, instance_id)
    if loaded.row.status != "running":
        return False
    wf = loaded.workflow
    waiting = [t for t in wf.event_manager.tasks.values() if message_definition(t.task_spec, name)]
    definition = message_definition(waiting[0].task_spec, name) if waiting else _event_subprocess_start(wf, name)
    if definition is None:
        return False
    if getattr(definition, "message_var", None) is None:
        for task in waiting:
            task.data.update(payload)
    try:
        wf.send_event(BpmnEvent(definition, payload, correlations))
    except WorkflowException:
        return False  # waiting, but for other correlation values
    history.record(uow, instance_id, "message.received", actor.user, message=name)
    runtime.run_engine(loaded)
    delta = instance_store.save(uow, loaded)
    runtime.schedule_deferred(uow, loaded, delta.upserts)
    return True


def _event_subprocess_start(wf, name):
    for spec_name in getattr(wf.spec.start, "trigger_specs", []) or []:
        for start in getattr(wf.subprocess_specs.get(spec_name), "bpmn_start_events", []) or []:
            definition = getattr(start, "event_definition", None)
            if message_definition(start, name) is not None:
                return definition
    return None


def _start_by_message(uow, name, payload, correlations, business_key, actor, may_start) -> list[str]:
    started = []
    definitions = uow.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version.desc()))
    latest: dict[str, ProcessDefinition] = {}
    for d in definitions:
        latest.setdefault(d.process_id, d)
    for definition in latest.values():
        if name not in (definition.start_messages or []):
            continue
        if may_start is not None and definition.process_id not in may_start:
            continue
        calls = runtime.resolve_call_definitions(uow, definition)
        loaded = instance_store.create(uow, definition, business_key=business_key,
                                       started_by=actor.user, call_definitions=calls)
        runtime.run_engine(loaded)
        start = [t for t in loaded.workflow.event_manager.tasks.values() if message_definition(t.task_spec, name)]
        if not start:
            continue
        catching = message_definition(start[0].task_spec, name)
        if getattr(catching, "message_var", None) is None:
            start[0].data.update(payload)
        loaded.workflow.send_event(BpmnEvent(catching, payload, correlations))
        runtime.run_engine(loaded)
        delta = instance_store.save(uow, loaded)
        history.record(uow, loaded.row.id, "instance.started", actor.user, message=name,
                       definition=definition.version)
        runtime.schedule_deferred(uow, loaded, delta.upserts)
        started.append(loaded.row.id)
    return started


def throw_signal(uow, name: str, payload: dict[str, Any] | None = None, *, actor: Actor | None = None) -> list[str]:
    """Broadcast a signal to every running instance waiting for it; returns their ids."""
    payload = runtime.check_data(payload or {})
    actor = actor or Actor.system()
    with uow:
        waiting = uow.session.scalars(
            select(SignalSubscription.instance_id).where(SignalSubscription.signal_name == name)
        ).all()
        caught = []
        for instance_id in dict.fromkeys(waiting):
            loaded = instance_store.load(uow, instance_id)
            instance_store.discard_on_failure(uow, instance_id)
            if loaded.row.status != "running":
                continue
            wf = loaded.workflow
            definition = next((d for t in wf.event_manager.tasks.values() for d in event_definitions(t.task_spec)
                               if isinstance(d, SignalEventDefinition) and d.name == name), None)
            if definition is None:
                continue
            wf.catch(BpmnEvent(definition, payload))
            history.record(uow, instance_id, "signal.received", actor.user, signal=name)
            runtime.run_engine(loaded)
            delta = instance_store.save(uow, loaded)
            runtime.schedule_deferred(uow, loaded, delta.upserts)
            caught.append(instance_id)
        uow.commit()
        return caught


def expedite_timers(uow, instance_id: str, *, actor: Actor, element_id: str | None = None,
                    now: datetime | None = None) -> int:
    """Make waiting timers of an instance due now and fire them; returns how many fired.

    The operator's "fire now" (e.g. a supervisor closing a waiting period early);
    tests use it instead of waiting for real time to pass.
    """
    now = now or datetime.now(timezone.utc)
    with uow:
        loaded = instance_store.load(uow, instance_id)
        instance_store.discard_on_failure(uow, instance_id)
        if loaded.row.status != "running":
            raise InvalidState(f"the instance is {loaded.row.status}", instance_id=instance_id)
        timers = [t for t in loaded.workflow.event_manager.tasks.values()
                  if is_timer(t.task_spec) and (element_id is None or t.task_spec.bpmn_id == element_id)]
        due = (now - timedelta(seconds=1)).isoformat()
        for task in timers:
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):
                value["next"] = due
            else:
                task.internal_data["event_value"] = due
        loaded.workflow.refresh_timers()
        fired = sum(1 for t in timers if t.state != TaskState.WAITING or t.internal_data.get("event_fired"))
        history.record(uow, instance_id, "timers.expedited", actor.user, element_id=element_id, count=len(timers))
        runtime.run_engine(loaded)
        delta = instance_store.save(uow, loaded)
        runtime.schedule_deferred(uow, loaded, delta.upserts)
        uow.commit()
        return fired if timers else 0
