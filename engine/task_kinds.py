"""Which SpiffWorkflow task specs are human work, deferred work or waiting events."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
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


def is_timer(task_spec) -> bool:
    return is_catching(task_spec) and isinstance(task_spec.event_definition, TimerEventDefinition)


def is_message(task_spec) -> bool:
    return is_catching(task_spec) and isinstance(task_spec.event_definition, MessageEventDefinition)


def loop_item(task):
    """The collection item a multi-instance child works on (e.g. its department)."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, MultiInstanceTask):
        return None
    item = parent.task_spec.input_item
    if item is None:
        return None
    return task.data.get(item.bpmn_id)
