"""Working tasks beyond the engine's claim/complete: If-Match checks and transfer (转办).

Transfer changes only who holds the task (the ``work_task`` index and the case
history), never the workflow state, so it needs no instance load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from engine import approval_actions, runtime
from engine.actors import Actor
from engine.errors import NotAllowed, TaskNotFound, TaskNotReady
from engine.models import ProcessInstance, WorkTask
from processes import cases, corrections
from processes.case_models import Case, ClockPause

from .accounts import groups_of, roles_of
from .errors import Invalid, PreconditionFailed, StaleTask
from .models import User
from .worklist import etag_of


def check_if_match(env, task_id: str, if_match: str | None) -> None:
    """Refuse to act on a task that changed since the caller read it.

    A task finished by someone else is a conflict (409); one that is still open
    but changed hands fails the precondition (412).
    """
    if not if_match or if_match.strip() == "*":
        return
    with env.unit_of_work() as uow:
        work = uow.session.get(WorkTask, task_id)
        if work is None:
            raise TaskNotFound("no task with this id", task_id=task_id)
        current = etag_of(work)
        state = work.state
    presented = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if current in presented:
        return
    if state != "ready":
        raise StaleTask(f"the task was {state} by someone else in the meantime", task_id=task_id, state=state)
    raise PreconditionFailed("the task changed since you read it (If-Match does not match)", task_id=task_id)


@dataclass(frozen=True)
class Route:
    """Where a task's completion goes: the engine alone, its service case, or the case's resubmission."""

    instance_id: str
    case_id: str | None = None
    waiting_for: str | None = None  # the applicant's step the case's clock is stopped for


def route_of(session, work: WorkTask) -> Route:
    """One statement: the task's case (if it is a service case) and the step the case waits on."""
    found = session.execute(
        select(Case.instance_id, ClockPause.task_id)
        .outerjoin(ClockPause, and_(ClockPause.case_id == Case.instance_id, ClockPause.ended_at.is_(None),
                                    ClockPause.reason == "correction"))
        .where(Case.instance_id == work.instance_id)
    ).first()
    if found is None:
        return Route(work.instance_id)
    return Route(work.instance_id, found[0], found[1])


def complete(uow, task_id: str, data: dict[str, Any], *, actor: Actor, now: datetime,
             route: Route | None = None) -> dict[str, Any]:
    """Complete a task; a service case's step goes through its case, so its clock and closure follow.

    The applicant's correction step of a case waiting for them is a resubmission
    (the clock runs again). ``route`` is what :func:`route_of` said, when the
    caller already read the task.
    """
    if route is None:
        with uow.env.unit_of_work() as look:
            work = look.session.get(WorkTask, task_id)
            if work is None:
                raise TaskNotFound("no task with this id", task_id=task_id)
            route = route_of(look.session, work)
    case_id = route.case_id
    if case_id is None:
        instance_id = runtime.complete_task(uow, task_id, data, actor=actor)
    elif route.waiting_for == task_id:
        instance_id = case_id
        corrections.resubmit(uow, case_id, actor=actor, now=now, data=data)
    else:
        instance_id = case_id
        cases.complete_step(uow, case_id, task_id, data, actor=actor, now=now)
    status = uow.saved_status.get(instance_id)
    if status is None:
        with uow.env.unit_of_work() as read:
            status = read.session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id))
    return {"task_id": task_id, "instance_id": instance_id, "instance_status": status}


def transfer(uow, task_id: str, *, actor: Actor, to_user: str, reason: str | None = None) -> None:
    """Hand a task one holds to a colleague who may work it (转办).

    The account checks (holder, eligible colleague) are the API's; the transfer
    itself is the engine's approval action, audited in its own transaction.
    """
    env = uow.env
    with env.unit_of_work() as check:
        session = check.session
        work = session.get(WorkTask, task_id)
        if work is None:
            raise TaskNotFound("no task with this id", task_id=task_id)
        if work.state != "ready":
            raise TaskNotReady(f"the task is already {work.state}", task_id=task_id)
        if work.assignee != actor.user:
            raise NotAllowed("only the holder can transfer a task; claim it first", task_id=task_id)
        target = session.scalars(select(User).where(User.username == to_user)).first()
        if target is None or not target.active or not _may_receive(session, target, work):
            raise Invalid("this user cannot take the task: they must be active staff of one of its groups",
                          errors=[{"pointer": "/to_user", "message": "not eligible for this task"}])
    approval_actions.transfer_task(uow, task_id, to_user=to_user, actor=actor, reason=reason)


def _may_receive(session, target: User, work: WorkTask) -> bool:
    if not {"clerk", "approver"} & roles_of(session, target.id):
        return False
    if target.username in (work.candidate_users or []):
        return True
    groups = work.candidate_groups or []
    return not groups or bool(groups_of(session, target.id).intersection(groups))
