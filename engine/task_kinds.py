"""Which SpiffWorkflow task specs are human work, deferred work or waiting events."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from .parser import DeferredScriptTask, DeferredServiceTask


def human_kind(task_spec) -> str | None:
    """"user" or "manual" for tasks people complete, else None."""
    if isinstance(task_spec, UserTask):
        return "user"
    if isinstance(task_spec, (ManualTask, NoneTask)):
        return "manual"
    return None


def is_deferred(task_spec) -> bool:
    return isinstance(task_spec, (DeferredServiceTask, DeferredScriptTask))


def is_catching(task_spec) -> bool:
    return isinstance(task_spec, CatchingEvent)


def event_definitions(task_spec) -> list:
    """The event definitions a catching task waits for (an event-based gateway has several)."""
    if not is_catching(task_spec):
        return []
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def timer_definition(task_spec) -> TimerEventDefinition | None:
    return next((d for d in event_definitions(task_spec) if isinstance(d, TimerEventDefinition)), None)


def message_definition(task_spec, name: str | None = None) -> MessageEventDefinition | None:
    return next((d for d in event_definitions(task_spec) if isinstance(d, MessageEventDefinition)
                 and (name is None or d.name == name)), None)


def is_timer(task_spec) -> bool:
    return timer_definition(task_spec) is not None


def is_message(task_spec) -> bool:
    return message_definition(task_spec) is not None


def loop_item(task):
    """The collection item a multi-instance child works on (e.g. its department).

    Looks at the task's own parent, and for tasks inside subprocesses climbs out
    to the subprocess task (subprocess trees are short; the top tree is not climbed).
    """
    current = task
    while True:
        parent = current.parent
        if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
            item = parent.task_spec.input_item
            return task.data.get(item.bpmn_id, current.data.get(item.bpmn_id)) if item else None
        owner = getattr(current.workflow, "parent_task_id", None)
        if owner is None:
            return None
        if parent is not None:
            current = parent
            continue
        current = current.workflow.top_workflow.get_task_from_id(owner)
