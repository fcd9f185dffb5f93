"""Event subprocesses as BPMN has them: armed with the case, interrupting when asked, dropped at its end.

SpiffWorkflow 3.2 gets three things wrong, all fixed here through its extension points:

* Its process parser (``ProcessParser.add_tasks`` → ``BpmnStartTask.connect_or_add_trigger``)
  wires a timer-started event subprocess as a parallel path from Start to the end join, so
  the end join waits for the timer and the case outlives its main flow; a message-started
  one is instead created on catch (``BpmnStartTask.trigger_wf``), which also connects it
  into the *shared* process spec, so every later case of that spec waits for the message.
* Nothing reads ``isInterrupting``: a triggered event subprocess always runs alongside.
* ``SubWorkflowParser`` looks for a namespaced ``triggeredByEvent``, so the event
  subprocess class is never used.
* Error and escalation start events are not read at all (the event subprocess started at
  once); here they are, and :mod:`engine.scoped_events` delivers an error or escalation to
  the event subprocess of the innermost scope around where it was thrown.

Here every event subprocess is a *listener*: a task started with the case whose subprocess
waits at its start event (so timers, messages and signals are indexed like any waiting
event). Once that start event fires, an interrupting one cancels everything else in its
process; a non-interrupting one runs alongside and, unless a timer started it, arms a
fresh listener for the next occurrence. A process's end join (:class:`ProcessEnd`) does not
wait for listeners: it fires once every other path has ended, and cancels them.
"""

from __future__ import annotations

import sys

from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.spiff.serializer.task_spec import SubWorkflowTaskConverter
from SpiffWorkflow.spiff.specs.defaults import EventSubprocess
from SpiffWorkflow.util.task import TaskIterator, TaskState

from . import history

# internal_data keys of an event subprocess task
STARTED = "event_started"  # its start event has fired and this task has reacted to it
CANCELLED = "cancelled_elements"  # element ids an interrupting one cancelled

_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


class EventSubprocessSpec(EventSubprocess):
    """A ``subProcess triggeredByEvent="true"``: a listener from the start of its process."""

    def __init__(self, wf_spec, bpmn_id, subworkflow_spec, interrupting: bool = True, **kwargs):
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.interrupting = interrupting

    def _update_hook(self, my_task):
        subprocess = my_task.workflow.top_workflow.subprocesses.get(my_task.id)
        if subprocess is None or my_task.internal_data.get(STARTED):
            return super()._update_hook(my_task)
        # SpiffWorkflow updates this task after every engine pass over its subprocess (and
        # engine.scoped_events as soon as its start event catches an error or escalation).
        if _start_event_caught(subprocess):
            my_task.internal_data[STARTED] = True
            if self.interrupting:
                my_task.internal_data[CANCELLED] = _cancel_everything_else(my_task)
            elif not _timer_started(subprocess):
                _arm_next(my_task)
        return super()._update_hook(my_task)


class ProcessEnd(UnstructuredJoin, BpmnTaskSpec):
    """The join in front of a process's End, in place of SpiffWorkflow's: listeners do not hold it."""

    def _check_threshold_unstructured(self, my_task):
        # From below the finished history (everything above it is done), with no depth limit:
        # TaskIterator stops at depth 1000 by default, and a case that looped back often enough
        # is deeper than that, so work left there would go unseen and the case would end early.
        wf = my_task.workflow
        root = wf.live_root() if hasattr(wf, "live_root") else wf.task_tree
        for task in TaskIterator(root, state=TaskState.NOT_FINISHED_MASK, end_at_spec=self.name,
                                 max_depth=sys.maxsize):
            # A listener's only child is this join, predicted.
            if task is my_task or is_listening(task) or (task.parent is not None and is_listening(task.parent)):
                continue
            return False
        return True

    def _update_hook(self, my_task):
        may_fire = super()._update_hook(my_task)
        if may_fire:
            for task in [t for t in my_task.workflow.tasks.values() if is_listening(t)]:
                task.cancel()
        return may_fire

    def _run_hook(self, my_task):
        result = super()._run_hook(my_task)
        my_task.workflow.data.update(my_task.data)  # as SpiffWorkflow's end join does
        return result


def install_process_end(spec) -> None:
    """Put a :class:`ProcessEnd` where a new process spec has SpiffWorkflow's end join."""
    # Specs link each other by name: End's input resolves to whichever join holds the name.
    name, outputs = spec.end.name, spec.end.outputs
    del spec.task_specs[name]  # as SpiffWorkflow's spec converter does on restore
    spec.end = ProcessEnd(spec, name)
    spec.end.outputs = outputs


class EventSubprocessConverter(SubWorkflowTaskConverter):
    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["interrupting"] = spec.interrupting
        return dct


def is_interrupting(node) -> bool:
    """``isInterrupting`` of the event subprocess's start event (BPMN's default: true)."""
    start = next(iter(node.xpath("./*[local-name()='startEvent']")), None)
    return start is None or start.get("isInterrupting", "true") != "false"


def is_listening(task) -> bool:
    """An event subprocess waiting at its start event (one whose start event just caught is not)."""
    if not (isinstance(task.task_spec, EventSubprocessSpec) and task.state == TaskState.STARTED
            and not task.internal_data.get(STARTED)):
        return False
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    return subprocess is None or not _start_event_caught(subprocess)


def _start_event_caught(subprocess) -> bool:
    return any(isinstance(t.task_spec, StartEvent) and (
        t.state in (TaskState.READY, TaskState.COMPLETED) or t.internal_data.get("event_fired"))
        for t in subprocess.tasks.values())


def _timer_started(subprocess) -> bool:
    return any(isinstance(getattr(s, "event_definition", None), TimerEventDefinition)
               for s in subprocess.spec.bpmn_start_events)


def _cancel_everything_else(my_task) -> list[str]:
    """Cancel every unfinished task of the process but this one; the element ids of the work cancelled."""
    wf = my_task.workflow
    # Subprocesses' tasks included (cancelling a subprocess cancels them); other listeners are not work.
    active = [t for t in wf.get_tasks(state=_ACTIVE) if not is_listening(t) and not _inside_listener(t)]
    for task in list(wf.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True)):
        # Cancelling a task drops its unfinished children from the tree.
        if (task is not my_task and wf.tasks.get(task.id) is task and task.has_state(TaskState.NOT_FINISHED_MASK)
                and not task.is_descendant_of(my_task)):
            task.cancel()
    cancelled = (t.task_spec.bpmn_id for t in active if t.state == TaskState.CANCELLED)
    return list(dict.fromkeys(c for c in cancelled if c))


def _inside_listener(task) -> bool:
    owner_id = task.workflow.parent_task_id
    return owner_id is not None and is_listening(task.workflow.top_workflow.get_task_from_id(owner_id))


def _arm_next(my_task) -> None:
    """A non-interrupting event subprocess may start again: listen for the next occurrence."""
    listener = my_task.parent._add_child(my_task.task_spec, TaskState.FUTURE)
    listener.triggered = True  # not a predicted output: keep it when the parent's children are synced
    listener.task_spec._update(listener)


def record_started(uow, loaded, delta) -> None:
    """History rows for event subprocesses whose start event fired in this step."""
    wf, before = loaded.workflow, loaded.before
    for task_id in delta.upserts:
        task = wf.find_task(task_id)
        if task is None or not isinstance(task.task_spec, EventSubprocessSpec) or not task.internal_data.get(STARTED):
            continue
        subprocess = wf.subprocesses.get(task.id)
        if subprocess is None:
            continue
        fired = next((t for t in subprocess.tasks.values()
                      if isinstance(t.task_spec, StartEvent) and t.state == TaskState.COMPLETED), None)
        if fired is None or before.get(fired.id, (None,))[0] == TaskState.COMPLETED:
            continue
        history.record(
            uow, loaded.row.id, "event_subprocess.started", task_id=task_id, element_id=task.task_spec.bpmn_id,
            start_event=fired.task_spec.bpmn_id, interrupting=task.task_spec.interrupting,
            cancelled=task.internal_data.get(CANCELLED, []),
        )
