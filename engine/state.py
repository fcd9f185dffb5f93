"""Instance state as rows: workflow-level meta plus one serialized dict per task.

SpiffWorkflow's own serializer writes the whole workflow, spec included, on every
save, so a step costs more the longer a case lives. Here the spec is never stored
with the instance (it lives once on the definition), and :class:`StateCodec.diff`
returns only the tasks a step changed, so saving a step touches a handful of rows
whatever the size of the history.

Format (``meta["format"]``), with :data:`MIGRATIONS` upgrading older rows on load:
    1: {"format": 1, "spiff": "<serializer version>", "workflow": {...},
        "subprocesses": {"<parent task id>": {...}}}; task bodies carry "wf", the
        id of the subprocess parent task or None for the top workflow.

What the codec produces is plaintext; :mod:`engine.instance_store` seals personal strings
in it on the way to the rows (``"yw:s1:<key id>:<base64>"`` in place of the string, see
:mod:`engine.sealing`) and opens them on the way back, so the format version does not
change with sealing and a row may mix sealed and plain strings (rows from before it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .errors import EngineError
from .workflow import YiwangWorkflow

FORMAT_VERSION = 1

# Tasks in these states can change without a state change (a waiting join or event's
# internal data, a multi-instance parent's collected results), so they are written on
# every save. A READY task is not among them: its data is set when it becomes ready and
# changes only when it is worked (which changes its state), so a step rewrites only the
# ready tasks it touched — not the 499 untouched ones of a 500-department countersign.
_VOLATILE = TaskState.STARTED | TaskState.WAITING | TaskState.ERROR

# format version -> function upgrading (meta, task bodies) in place to the next version.
MIGRATIONS: dict[int, Callable[[dict[str, Any], dict[str, dict[str, Any]]], int]] = {}


class StateFormatError(EngineError):
    code = "state-format"


@dataclass
class StateDelta:
    """What a save must write: changed task bodies and ids of removed tasks."""

    meta: dict[str, Any]
    upserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    # Ids among ``upserts`` that have no row yet, and the fingerprint after the step.
    inserts: set[str] = field(default_factory=set)
    fingerprint: "Fingerprint" = field(default_factory=dict)


Fingerprint = dict[UUID, tuple]


class StateCodec:
    """Converts a workflow to and from (meta, task rows) without its spec."""

    def __init__(self, registry) -> None:
        self.registry = registry

    # -- writing -----------------------------------------------------------
    def dump_meta(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        top = self._workflow_fields(workflow)
        top["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        subs = {}
        for parent_id, sub in workflow.subprocesses.items():
            sub_fields = self._workflow_fields(sub)
            sub_fields["spec"] = sub.spec.name
            subs[str(parent_id)] = sub_fields
        return {
            "format": FORMAT_VERSION,
            "spiff": SPIFF_SERIALIZER_VERSION,
            "workflow": top,
            "subprocesses": subs,
        }

    def _workflow_fields(self, wf) -> dict[str, Any]:
        return {
            "data": self.registry.convert(self.registry.clean(wf.data)),
            "correlations": self.registry.convert(wf.correlations),
            "last_task": str(wf.last_task.id) if wf.last_task is not None else None,
            "success": wf.success,
            "completed": wf.completed,
            "root": str(wf.task_tree.id),
        }

    def dump_task(self, task: Task, wf_key: str | None) -> dict[str, Any]:
        return {
            "wf": wf_key,
            "parent": str(task._parent) if task._parent is not None else None,
            "children": [str(c) for c in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": self.registry.convert(self.registry.clean(task.data)),
        }

    def dump_all(self, workflow: BpmnWorkflow) -> StateDelta:
        """Everything, as for a new instance."""
        return self.diff(workflow, {})

    def diff(self, workflow: BpmnWorkflow, before: Fingerprint) -> StateDelta:
        """The rows to write after a step, given the fingerprint taken before it."""
        delta = StateDelta(self.dump_meta(workflow))
        after = delta.fingerprint
        for task, key in iter_tasks(workflow):
            now = _mark(task)
            after[task.id] = now
            old = before.get(task.id)
            if old is None or task.state & _VOLATILE or old != now:
                task_id = str(task.id)
                delta.upserts[task_id] = self.dump_task(task, key)
                if old is None:
                    delta.inserts.add(task_id)
        if len(after) != len(before) or delta.inserts:
            delta.deletes = {str(tid) for tid in before.keys() - after.keys()}
        return delta

    # -- reading -----------------------------------------------------------
    def restore(
        self,
        meta: dict[str, Any],
        bodies: dict[str, dict[str, Any]],
        spec,
        subprocess_specs: dict[str, Any],
    ) -> BpmnWorkflow:
        """Rebuild a workflow from its rows and its (cached) specs."""
        meta, bodies = migrate(meta, bodies)
        by_wf: dict[str | None, dict[str, dict[str, Any]]] = {}
        for tid, body in bodies.items():
            by_wf.setdefault(body["wf"], {})[tid] = body

        workflow = YiwangWorkflow(spec, subprocess_specs, deserializing=True)
        self._restore_tasks(workflow, by_wf.pop(None, {}), meta["workflow"])
        workflow.bpmn_events = self.registry.restore(meta["workflow"].get("bpmn_events", []))
        self._restore_subprocesses(workflow, workflow, meta["subprocesses"], by_wf)
        return workflow

    def _restore_subprocesses(self, top, parent_wf, subs_meta, by_wf) -> None:
        # Parents before children: a subprocess needs the task that owns it.
        for task in list(parent_wf.tasks.values()):
            key = str(task.id)
            if key not in subs_meta:
                continue
            sub_spec = top.subprocess_specs.get(task.task_spec.spec)
            sub = BpmnSubWorkflow(sub_spec, task.id, top, deserializing=True)
            self._restore_tasks(sub, by_wf.pop(key, {}), subs_meta[key])
            top.subprocesses[task.id] = sub
            sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            self._restore_subprocesses(top, sub, subs_meta, by_wf)

    def _restore_tasks(self, wf, bodies: dict[str, dict[str, Any]], fields: dict[str, Any]) -> None:
        specs = wf.spec.task_specs
        for tid, body in bodies.items():
            spec = specs.get(body["task_spec"])
            if spec is None:
                raise StateFormatError(
                    "stored task refers to a step the process definition does not have",
                    task_id=tid,
                    element=body["task_spec"],
                )
            task = Task(wf, spec, state=body["state"], id=UUID(tid))
            task._parent = UUID(body["parent"]) if body["parent"] else None
            task._children = [UUID(c) for c in body["children"]]
            task.last_state_change = body["last_state_change"]
            task.triggered = body["triggered"]
            task.internal_data = self.registry.restore(body["internal_data"])
            task.data = self.registry.restore(body["data"])
        for task in wf.tasks.values():
            if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                wf.top_workflow.event_manager.add_task(task)
        wf.task_tree = wf.tasks[UUID(fields["root"])]
        wf.success = fields["success"]
        wf.completed = fields.get("completed", False)
        wf.correlations = self.registry.restore(fields.get("correlations", {}))
        last = fields.get("last_task")
        wf.last_task = wf.tasks.get(UUID(last)) if last else None
        wf.data = self.registry.restore(fields.get("data", {}))


def iter_tasks(workflow: BpmnWorkflow) -> Iterator[tuple[Task, str | None]]:
    """Every task of the workflow and its subprocesses, with the subprocess key."""
    for task in workflow.tasks.values():
        yield task, None
    for parent_id, sub in workflow.subprocesses.items():
        key = str(parent_id)
        for task in sub.tasks.values():
            yield task, key


def _mark(task: Task) -> tuple:
    # A finished task's row is rewritten only if one of these moved. Children are
    # included because SpiffWorkflow re-links children of tasks whose own state does
    # not change (a completed Start gains an event subprocess, predicted tasks are
    # re-predicted).
    children = task._children
    return (task.state, task.last_state_change, len(children), children[-1] if children else None)


def fingerprint(workflow: BpmnWorkflow) -> Fingerprint:
    """A change mark for every task: what :meth:`StateCodec.diff` compares against."""
    return {t.id: _mark(t) for t, _ in iter_tasks(workflow)}


def migrate(meta: dict[str, Any], bodies: dict[str, dict[str, Any]]):
    """Upgrade stored state to :data:`FORMAT_VERSION` through the migration chain."""
    version = meta.get("format")
    if version is None:
        raise StateFormatError("stored instance state has no format version")
    while version != FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StateFormatError(
                "no migration from this stored state format", found=version, expected=FORMAT_VERSION
            )
        version = step(meta, bodies)
        meta["format"] = version
    return meta, bodies
