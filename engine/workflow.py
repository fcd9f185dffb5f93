"""Our BpmnWorkflow: the same engine, without re-walking a case's finished history.

SpiffWorkflow searches the whole task tree from its root several times per step
(ready tasks, waiting tasks), so a case that has come back to the same desk many
times gets slower with every round. Finished history is a chain at the top of the
tree: tasks that are COMPLETED and have a single child. Searches for unfinished
tasks can start below that chain; searches that may match finished tasks (by
spec name, by COMPLETED state) still start at the root. The chain end is cached
and only ever extended, and forgotten when a reset may reopen history.

Subprocesses (embedded, called, event) nest at most :data:`MAX_SUBPROCESS_DEPTH` deep: a
process that calls itself is refused at deploy, but one that comes to do so anyway (two
deployments racing) stops with an error naming the call activity instead of creating
subprocesses until the worker is killed.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import CodeEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .scoped_events import Scoped, catch_in_scope


# Far deeper than any drawn process nests (process, subprocess, multi-instance, call ...).
MAX_SUBPROCESS_DEPTH = 16


class SubprocessTooDeep(WorkflowTaskException):
    """A subprocess would nest deeper than :data:`MAX_SUBPROCESS_DEPTH`."""


class YiwangWorkflow(BpmnWorkflow):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._history_end = None

    def find_task(self, task_id: str | UUID):
        """The task with this id in the case or any of its subprocesses, or None.

        ``get_task_from_id`` raises for an unknown id; a task id that came with a
        request may name a task that a concurrent step removed (a return, a removed
        countersigner), which callers answer as "no longer waiting", not as a crash.
        """
        try:
            return self.get_task_from_id(task_id if isinstance(task_id, UUID) else UUID(task_id))
        except TaskNotFoundException:
            return None

    def catch(self, event):
        """Errors and escalations also start the event subprocess of their scope (see catch_in_scope)."""
        if isinstance(event.event_definition, Scoped):
            event.event_definition = event.event_definition.as_spiff()
        if event.target is not None and isinstance(event.event_definition, CodeEventDefinition):
            if catch_in_scope(self, event):
                return
        super().catch(event)

    def create_subprocess(self, my_task, spec_name):
        if my_task.workflow.depth + 1 > MAX_SUBPROCESS_DEPTH:
            raise SubprocessTooDeep(
                f"subprocesses would nest more than {MAX_SUBPROCESS_DEPTH} deep at {spec_name!r}: "
                "does a process call itself, directly or through others?", task=my_task)
        return super().create_subprocess(my_task, spec_name)

    def live_root(self):
        """The deepest task above which everything is finished, single-file history."""
        task = self._history_end
        if task is None or self.tasks.get(task.id) is not task:
            task = self.task_tree
        while (
            task.state == TaskState.COMPLETED
            and len(task._children) == 1
            and task.id not in self.subprocesses
        ):
            child = self.tasks.get(task._children[0])
            if child is None:
                break
            task = child
        self._history_end = task
        return task

    def get_tasks_iterator(self, first_task=None, **kwargs):
        state = kwargs.get("state")
        if first_task is None and state is not None and not state & TaskState.COMPLETED \
                and not kwargs.get("spec_name") and not kwargs.get("end_at_spec"):
            first_task = self.live_root()
        return super().get_tasks_iterator(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        for task in TaskIterator(self.live_root(), state=TaskState.WAITING):
            task.task_spec._update(task)

    def reset_from_task_id(self, task_id, data=None, remove_subprocess=True):
        self._history_end = None
        return super().reset_from_task_id(task_id, data, remove_subprocess)
