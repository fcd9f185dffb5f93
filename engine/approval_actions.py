"""The Chinese approval actions, usable on any process: 转办, 退回, 撤回, 加签, 减签, 抄送.

Each is one audited step (a history event in the same transaction) that refuses
cleanly, changing nothing, when it does not apply.

* transfer (转办): the holder hands a ready task to another person.
* return (退回): from a ready task back to an earlier step of the same case; the
  earlier step opens again for whoever did it, everything after it is dropped.
* withdraw (撤回): whoever completed a step takes it back, allowed only while
  nothing after it has been started (claimed) or done.
* add / remove countersigner (加签 / 减签): change who takes part in a running
  parallel multi-instance step (a countersign over a collection).
* copy to (抄送): let people or groups read the case, without working it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
)
from SpiffWorkflow.util.task import TaskState

from . import history, instance_store, runtime
from .actors import Actor
from .errors import InvalidState, NotAllowed, TaskNotFound
from .models import InstanceCopy, WorkTask
from .task_kinds import human_kind, is_deferred


class ActionRefused(InvalidState):
    """The approval action does not apply to the case as it stands."""

    code = "action-refused"


def transfer_task(uow, task_id: str, *, to_user: str, actor: Actor, reason: str | None = None) -> None:
    """转办: make ``to_user`` the assignee of a ready task the actor may work."""
    with uow:
        work = runtime.work_task(uow, task_id)
        runtime.require_ready(work)
        runtime.require_access(work, actor)
        if not to_user or to_user == work.assignee:
            raise ActionRefused("transfer needs another person to hand the task to", task_id=task_id)
        previous = work.assignee
        work.assignee, work.claimed_at = to_user, None
        history.record(uow, work.instance_id, "task.transferred", actor.user, task_id=task_id,
                       element_id=work.element_id, to_user=to_user, from_user=previous, reason=reason)
        uow.commit()


def return_task(uow, task_id: str, *, to_element_id: str, actor: Actor, reason: str) -> str:
    """退回: send the case from a ready task back to an earlier human step; returns its task id."""
    with uow:
        work = runtime.work_task(uow, task_id)
        runtime.require_ready(work)
        runtime.require_access(work, actor)
        loaded = _load_running(uow, work.instance_id)
        current = runtime.task_in_case(loaded, task_id, TaskState.READY)
        target = _earlier_step(current, to_element_id)
        if target is None:
            raise ActionRefused("no earlier completed step with this id on the case's path",
                                task_id=task_id, element_id=to_element_id)
        loaded.workflow.reset_from_task_id(target.id)
        history.record(uow, work.instance_id, "task.returned", actor.user, task_id=task_id,
                       element_id=work.element_id, to_element_id=to_element_id,
                       to_task_id=str(target.id), reason=reason)
        _advance_and_save(uow, loaded)
        uow.commit()
        return str(target.id)


def withdraw_task(uow, task_id: str, *, actor: Actor, reason: str | None = None) -> None:
    """撤回: reopen a step the actor completed, while the next steps are untouched."""
    with uow:
        work = runtime.work_task(uow, task_id)
        if work.state != "completed" or work.completed_by != actor.user:
            raise NotAllowed("only whoever completed a step can withdraw it", task_id=task_id)
        loaded = _load_running(uow, work.instance_id)
        done = runtime.task_in_case(loaded, task_id, TaskState.COMPLETED)
        _require_untouched_after(uow, done)
        loaded.workflow.reset_from_task_id(done.id)
        history.record(uow, work.instance_id, "task.withdrawn", actor.user, task_id=task_id,
                       element_id=work.element_id, reason=reason)
        _advance_and_save(uow, loaded)
        uow.commit()


def add_countersigner(uow, instance_id: str, element_id: str, item: Any, *, actor: Actor,
                      reason: str | None = None,
                      check_offer: Callable[[Any, list[str], list[str], str | None], None] | None = None) -> str:
    """加签: add ``item`` (e.g. a department) to a running parallel countersign; returns the new task id.

    Args:
        check_offer: called with the session, the new step's candidate groups, candidate users
            and assignee before anything is stored; it raises to refuse a step nobody could work (the
            engine does not know who exists).
    """
    with uow:
        loaded = _load_running(uow, instance_id)
        parent = _running_countersign(loaded.workflow, element_id)
        spec = parent.task_spec
        collection = spec.data_input.get(parent)
        if not isinstance(collection, list):
            raise ActionRefused("only countersigns over a list can take more participants", element_id=element_id)
        if item in collection:
            raise ActionRefused("this participant is already part of the countersign", element_id=element_id)
        collection.append(item)
        before = {c.id for c in parent.children}
        spec.create_child(parent, item, len(collection) - 1)
        (added,) = [c for c in parent.children if c.id not in before]
        history.record(uow, instance_id, "countersigner.added", actor.user, element_id=element_id,
                       task_id=str(added.id), item=item, reason=reason)
        _advance_and_save(uow, loaded)
        work = uow.session.get(WorkTask, str(added.id))
        if check_offer is not None and work is not None:
            check_offer(uow.session, list(work.candidate_groups or []), list(work.candidate_users or []),
                        work.assignee)
        uow.commit()
        return str(added.id)


def remove_countersigner(uow, task_id: str, *, actor: Actor, reason: str | None = None) -> None:
    """减签: take one open participant out of a running parallel countersign.

    The last open participant cannot be removed (the step would have nobody left to
    finish it): complete or return the step instead.
    """
    with uow:
        work = runtime.work_task(uow, task_id)
        runtime.require_ready(work)
        loaded = _load_running(uow, work.instance_id)
        child = runtime.task_in_case(loaded, task_id, TaskState.READY)
        parent = child.parent
        if parent is None or not isinstance(parent.task_spec, ParallelMultiInstanceTask):
            raise ActionRefused("the task is not part of a parallel countersign", task_id=task_id)
        participants = [c for c in parent.children if c.task_spec.name == parent.task_spec.task_spec]
        others_open = [c for c in participants if c.id != child.id and c.state != TaskState.COMPLETED]
        if not others_open:
            raise ActionRefused("the last open participant cannot be removed; complete or return the step",
                                task_id=task_id)
        parent.children = [c for c in parent.children if c.id != child.id]
        loaded.workflow.tasks.pop(child.id, None)
        history.record(uow, work.instance_id, "countersigner.removed", actor.user, task_id=task_id,
                       element_id=work.element_id, item=work.loop_item, reason=reason)
        _advance_and_save(uow, loaded)
        uow.commit()


def copy_to(uow, instance_id: str, *, users: list[str] = (), groups: list[str] = (), actor: Actor,
            note: str | None = None, task_id: str | None = None) -> int:
    """抄送: give people or groups read access to a case; returns how many copies were made."""
    with uow:
        instance_store.load(uow, instance_id)  # the case must exist
        copies = [InstanceCopy(instance_id=instance_id, task_id=task_id, to_user=u, by=actor.user, note=note)
                  for u in dict.fromkeys(users)]
        copies += [InstanceCopy(instance_id=instance_id, task_id=task_id, to_group=g, by=actor.user, note=note)
                   for g in dict.fromkeys(groups)]
        if not copies:
            raise ActionRefused("copy to whom? name at least one user or group", instance_id=instance_id)
        uow.session.add_all(copies)
        history.record(uow, instance_id, "case.copied", actor.user, task_id=task_id,
                       users=list(users), groups=list(groups), note=note)
        uow.commit()
        return len(copies)


# -- helpers ------------------------------------------------------------------
def _load_running(uow, instance_id: str):
    loaded = instance_store.load(uow, instance_id)
    instance_store.discard_on_failure(uow, instance_id)
    runtime.require_running(loaded.row)
    return loaded


def _advance_and_save(uow, loaded) -> None:
    runtime.run_engine(loaded)
    delta = instance_store.save(uow, loaded)
    runtime.schedule_deferred(uow, loaded, delta.upserts)


def _earlier_step(task, element_id: str):
    """The nearest completed human task with ``element_id`` above ``task`` (crossing subprocesses)."""
    current = task
    while current is not None:
        parent = current.parent
        if parent is None:
            owner = getattr(current.workflow, "parent_task_id", None)
            parent = current.workflow.top_workflow.find_task(owner) if owner else None
        if (parent is not None and parent.task_spec.bpmn_id == element_id
                and parent.state == TaskState.COMPLETED and human_kind(parent.task_spec)):
            return parent
        current = parent
    return None


def _require_untouched_after(uow, done) -> None:
    later_human = []
    for task in list(done)[1:]:  # the subtree below the completed step
        if task.state == TaskState.COMPLETED and (human_kind(task.task_spec) or is_deferred(task.task_spec)):
            raise ActionRefused("a later step has already been done; ask its handler to return the case",
                                task_id=str(done.id), element_id=task.task_spec.bpmn_id)
        if task.state == TaskState.READY and human_kind(task.task_spec):
            later_human.append(str(task.id))
    if later_human:
        claimed = uow.session.scalar(select(WorkTask.id).where(
            WorkTask.id.in_(later_human), WorkTask.claimed_at.is_not(None)).limit(1))
        if claimed is not None:
            raise ActionRefused("the next step has already been taken up; it can no longer be withdrawn",
                                task_id=str(done.id))


def _running_countersign(workflow, element_id: str):
    for task in workflow.get_tasks(state=TaskState.STARTED):
        if isinstance(task.task_spec, MultiInstanceTask) and task.task_spec.bpmn_id == element_id:
            if not isinstance(task.task_spec, ParallelMultiInstanceTask) or task.task_spec.data_input is None:
                raise ActionRefused("participants can be added only to a parallel countersign over a list",
                                    element_id=element_id)
            return task
    raise TaskNotFound("no running countersign with this element id", element_id=element_id)
