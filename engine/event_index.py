"""Keeps ``timer_index`` and ``message_subscription`` in step with waiting events.

Re-synchronised only when the step touched a catching event or the instance's
correlation values, from SpiffWorkflow's event manager (which lists only tasks
that are waiting), never from the whole task tree.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete

from .history import context_of
from .models import MessageSubscription, SignalSubscription, TimerIndex
from .sealing import NO_FIELDS
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition

from .task_kinds import event_definitions, is_catching, timer_definition


def sync(uow, loaded, delta) -> None:
    wf = loaded.workflow
    touched = any(
        (t := wf.find_task(tid)) is not None and is_catching(t.task_spec)
        for tid in delta.upserts
    )
    # Tasks removed by the step (a returned-past path, a cancelled branch) matter only
    # if the set of waiting events changed with them.
    if not (touched or loaded.is_new or _waiting_changed(loaded, delta) or _correlations_changed(loaded)):
        return
    session, instance_id = uow.session, loaded.row.id
    # Correlation values may be identifiers (an ID number correlates a reply): stored sealed; only
    # SpiffWorkflow compares them, on the loaded case.
    protector, fields = uow.env.protector, uow.personal_fields.get(instance_id, NO_FIELDS)

    def sealed(correlations):
        return protector.seal(correlations or {}, context_of(instance_id), fields)

    session.execute(delete(TimerIndex).where(TimerIndex.instance_id == instance_id))
    session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == instance_id))
    session.execute(delete(SignalSubscription).where(SignalSubscription.instance_id == instance_id))
    if loaded.row.status not in {"running", "suspended"}:
        return
    for name in _event_subprocess_messages(wf):
        session.add(MessageSubscription(task_id=instance_id, instance_id=instance_id, message_name=name,
                                        correlations=sealed(wf.correlations),
                                        business_key=loaded.row.business_key))
    for task in list(wf.event_manager.tasks.values()):
        spec = task.task_spec
        timer = timer_definition(spec)
        if timer is not None:
            due = _timer_due(timer, task)
            if due is not None:
                session.add(
                    TimerIndex(task_id=str(task.id), instance_id=instance_id,
                               element_id=_element_of(spec, timer), due_at=due)
                )
        for definition in event_definitions(spec):
            if isinstance(definition, SignalEventDefinition):
                session.add(SignalSubscription(task_id=str(task.id), instance_id=instance_id,
                                               signal_name=definition.name))
            if isinstance(definition, MessageEventDefinition):
                session.add(
                    MessageSubscription(
                        task_id=str(task.id),
                        instance_id=instance_id,
                        message_name=definition.name,
                        correlations=sealed(task.workflow.correlations),
                        business_key=loaded.row.business_key,
                    )
                )


def _event_subprocess_messages(wf) -> list[str]:
    """Messages that start an event subprocess of the case (SpiffWorkflow starts those on catch)."""
    names = []
    for spec_name in getattr(wf.spec.start, "trigger_specs", []) or []:
        sub_spec = wf.subprocess_specs.get(spec_name)
        for start in getattr(sub_spec, "bpmn_start_events", []) or []:
            definition = getattr(start, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and definition.name not in names:
                names.append(definition.name)
    return names


def _element_of(spec, definition) -> str:
    """The BPMN element waiting for ``definition``: for an event-based gateway, the event after it."""
    if spec.event_definition is definition:
        return spec.bpmn_id
    # SpiffWorkflow moves each following event's definition into the gateway, in
    # the order of the gateway's outputs.
    for index, candidate in enumerate(spec.event_definition.event_definitions):
        if candidate is definition and index < len(spec.outputs):
            return spec.outputs[index].bpmn_id
    return spec.bpmn_id


def _waiting_changed(loaded, delta) -> bool:
    from .instance_store import waiting_events  # instance_store imports this module

    return bool(delta.deletes) and waiting_events(loaded.workflow) != loaded.waiting_before


def _correlations_changed(loaded) -> bool:
    from .instance_store import correlations_of  # instance_store imports this module

    return correlations_of(loaded.workflow) != loaded.correlations_before


def _timer_due(timer, task) -> datetime | None:
    value = timer.details(task).value
    if isinstance(value, dict):  # a cycle that has not computed its next firing yet
        value = value.get("next")
    if value is None:
        return None
    if isinstance(value, datetime):
        due = value
    else:
        try:
            due = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)
