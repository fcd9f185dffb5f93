"""The Chinese approval actions on any case: 退回 return, 撤回 withdraw, 加签/减签 countersigners, 抄送 copy.

Transfer (转办) is ``POST /tasks/{id}/transfer``. Each action is the engine's
(:mod:`engine.approval_actions`); the API checks first that the caller may see the
task or case, and, for countersigners and copies, that they are staff working it.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from engine import approval_actions
from engine.models import InstanceCopy, WorkTask

from .. import access
from ..auditing import context, work
from ..auth import actor, reading, require_principal
from ..endpoint import endpoint
from ..errors import Hidden, Invalid
from ..models import Group, User
from ..schemas.approvals import (
    AddCountersignerSchema,
    CopyRequestSchema,
    CopySchema,
    CountersignerSchema,
    RemoveCountersignerSchema,
    ReopenedSchema,
    ReturnSchema,
    WithdrawSchema,
)

bp = Blueprint("approvals", __name__)
WORK = "tasks:work"


def _task(task_id: str) -> WorkTask:
    with reading() as uow:
        work_row = access.require_task(uow.session, require_principal(), task_id)
    context().case_id = work_row.instance_id
    return work_row


def _handling(instance_id: str) -> None:
    context().case_id = instance_id
    with reading() as uow:
        access.require_handling(uow.session, require_principal(), instance_id, service_case=False)


def _ready_task(instance_id: str, element_id: str) -> str:
    with reading() as uow:
        return uow.session.scalars(select(WorkTask.id).where(
            WorkTask.instance_id == instance_id, WorkTask.element_id == element_id, WorkTask.state == "ready")
            .order_by(WorkTask.created_at.desc(), WorkTask.id)).first()


@bp.post("/tasks/<task_id>/return")
@endpoint("Return the case from this step to an earlier one (退回); the steps after it are dropped",
          permission=WORK, body=ReturnSchema(), response=ReopenedSchema(), errors=(404, 409),
          audit=("task.returned", "task"), audit_id="task_id")
def return_task(task_id, body):
    work_row = _task(task_id)
    context().details = {"to_element_id": body["to_element_id"], "reason": body["reason"]}
    reopened = approval_actions.return_task(work(), task_id, to_element_id=body["to_element_id"], actor=actor(),
                                            reason=body["reason"])
    return {"task_id": reopened, "instance_id": work_row.instance_id}


@bp.post("/tasks/<task_id>/withdraw")
@endpoint("Withdraw a step I completed (撤回), while the next steps are untouched", permission=WORK,
          body=WithdrawSchema(), response=ReopenedSchema(), errors=(404, 409),
          audit=("task.withdrawn", "task"), audit_id="task_id")
def withdraw(task_id, body):
    work_row = _task(task_id)
    context().details = {"reason": body["reason"]}
    approval_actions.withdraw_task(work(), task_id, actor=actor(), reason=body["reason"])
    return {"task_id": _ready_task(work_row.instance_id, work_row.element_id) or task_id,
            "instance_id": work_row.instance_id}


@bp.post("/instances/<instance_id>/countersigners")
@endpoint("Add a participant to a running countersign (加签)", permission=WORK, body=AddCountersignerSchema(),
          response=CountersignerSchema(), status=201, errors=(404, 409),
          audit=("countersigner.added", "instance"), audit_id="instance_id")
def add_countersigner(instance_id, body):
    _handling(instance_id)
    context().details = {"element_id": body["element_id"], "participant": body["participant"]}
    task_id = approval_actions.add_countersigner(work(), instance_id, body["element_id"], body["participant"],
                                                 actor=actor(), reason=body["reason"],
                                                 check_offer=_someone_could_work)
    return {"task_id": task_id, "instance_id": instance_id, "element_id": body["element_id"],
            "participant": body["participant"]}


@bp.post("/instances/<instance_id>/countersigners/<task_id>/remove")
@endpoint("Take an open participant out of a running countersign (减签)", permission=WORK,
          body=RemoveCountersignerSchema(), response=CountersignerSchema(), errors=(404, 409),
          audit=("countersigner.removed", "instance"), audit_id="instance_id")
def remove_countersigner(instance_id, task_id, body):
    _handling(instance_id)
    with reading() as uow:
        work_row = uow.session.get(WorkTask, task_id)
    if work_row is None or work_row.instance_id != instance_id:
        raise Hidden("no task with this id in the case", task_id=task_id)
    context().details = {"task_id": task_id, "participant": work_row.loop_item}
    approval_actions.remove_countersigner(work(), task_id, actor=actor(), reason=body["reason"])
    return {"task_id": task_id, "instance_id": instance_id, "element_id": work_row.element_id,
            "participant": work_row.loop_item}


@bp.post("/instances/<instance_id>/copies")
@endpoint("Copy the case to people or groups (抄送): they may read it, not work it", permission=WORK,
          body=CopyRequestSchema(), response=CopySchema(many=True), status=201, errors=(404, 409),
          audit=("case.copied", "instance"), audit_id="instance_id")
def copy(instance_id, body):
    _handling(instance_id)
    context().details = {"users": body["users"], "groups": body["groups"]}
    _require_known(body["users"], body["groups"])
    approval_actions.copy_to(work(), instance_id, users=body["users"], groups=body["groups"], actor=actor(),
                             note=body["note"])
    return _copies(instance_id)


def _someone_could_work(session, groups: list[str], users: list[str], assignee: str | None) -> None:
    """Refuses (rolling the 加签 back) a participant whose step no staff member could work."""
    if access.anyone_could_work(session, groups, users, assignee):
        return
    offered = ", ".join([*groups, *users]) or "nobody"
    raise Invalid("nobody could work the added step",
                  errors=[{"pointer": "/participant",
                           "message": f"the step would be offered to {offered}: no such group, or no staff in it"}])


def _require_known(users: list[str], groups: list[str]) -> None:
    """Copies go to staff (抄送 is an internal notice): an applicant's account may not read others' cases."""
    with reading() as uow:
        known_users = set(uow.session.scalars(select(User.username).where(User.username.in_(users))))
        staff = access.staff_among(uow.session, users)
        known_groups = set(uow.session.scalars(select(Group.name).where(Group.name.in_(groups))))
    errors = [{"pointer": f"/users/{i}", "message": "no such user" if u not in known_users else
               "not a staff member: cases are copied to window clerks and department approvers only"}
              for i, u in enumerate(users) if u not in staff]
    errors += [{"pointer": f"/groups/{i}", "message": "no such group"} for i, g in enumerate(groups)
               if g not in known_groups]
    if not users and not groups:
        errors.append({"pointer": "", "message": "name at least one user or group"})
    if errors:
        raise Invalid("the case cannot be copied as asked", errors=errors)


def _copies(instance_id: str) -> list[InstanceCopy]:
    with reading() as uow:
        return list(uow.session.scalars(select(InstanceCopy).where(InstanceCopy.instance_id == instance_id)
                                        .order_by(InstanceCopy.id)))


@bp.get("/instances/<instance_id>/copies")
@endpoint("Whom the case was copied to", permission="instances:read", response=CopySchema(many=True),
          errors=(404,))
def list_copies(instance_id):
    with reading() as uow:
        access.require_instance(uow.session, require_principal(), instance_id)
    return _copies(instance_id)
