"""Who may see which case and which task: the rules, as SQL conditions and as checks.

- Holders of ``instances:read_all`` (supervisors, administrators, auditors) see every case;
  a supervisor whose groups belong to regions sees only the service cases of those
  regions and the regions below them (:func:`api.accounts.supervised_regions`).
- Applicants see only their own cases (they applied, or a clerk named them).
- Window clerks and department approvers see the cases that have, or had, a task
  for them or their groups, and those they started; integrators those they started.
- Whoever a case was copied to (抄送: the user, or a member of the group) may read it,
  without working it.
- A task is visible only to its assignee, or, while unclaimed, to its candidate
  groups and users; a finished task also to whoever finished it.
- A message (``POST /messages``) reaches only cases of the processes the security
  administrator granted the caller's account, cases that reached its groups, and cases
  it started; anything else is answered as if no case were waiting.

Objects the caller may not see answer 404 (:class:`~api.errors.Hidden`) so their
existence is not given away; the refusal is audited.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.models import InstanceCopy, ProcessInstance, WorkTask, WorkTaskCandidate
from processes.case_models import Case
from processes.cases import case_row

from .accounts import Principal
from .errors import Forbidden, Hidden
from .models import CaseParty, Group, Membership, ProcessGrant, User, UserRole

STAFF_ROLES = frozenset({"clerk", "approver"})


def is_staff(principal: Principal) -> bool:
    return bool(STAFF_ROLES & principal.roles) and principal.may("tasks:work")


def staff_among(session: Session, usernames) -> set[str]:
    """Those of ``usernames`` whose active accounts work cases (window clerks, department approvers)."""
    return set(session.scalars(
        select(User.username).join(UserRole, UserRole.user_id == User.id)
        .where(User.username.in_(sorted(set(usernames))), User.active.is_(True),
               UserRole.role.in_(sorted(STAFF_ROLES)))))


def anyone_could_work(session: Session, groups, users, assignee: str | None) -> bool:
    """Whether an active staff account could work a step offered to ``groups`` and ``users`` (or held
    by ``assignee``): a step offered only to groups that do not exist, or have no staff, stays open forever."""
    named = [u for u in [*users, assignee] if u]
    if named and staff_among(session, named):
        return True
    if not groups:
        return False
    member = (select(User.id).join(Membership, Membership.user_id == User.id)
              .join(Group, Group.id == Membership.group_id)
              .join(UserRole, UserRole.user_id == User.id)
              .where(Group.name.in_(sorted(set(groups))), User.active.is_(True),
                     UserRole.role.in_(sorted(STAFF_ROLES))).limit(1))
    return session.scalar(member) is not None


def instance_condition(principal: Principal, *, copies: bool = True) -> ColumnElement[bool]:
    """Cases the caller may see; ``copies=False`` leaves out those they see only as copied to them."""
    if principal.may("instances:read_all"):
        if principal.regions is None:
            return true()
        return in_regions(principal.regions)
    if not principal.may("instances:read"):
        return false()
    own = or_(
        ProcessInstance.started_by == principal.username,
        exists().where(CaseParty.instance_id == ProcessInstance.id, CaseParty.username == principal.username),
        _copied_to(principal) if copies else false(),
    )
    if not is_staff(principal):
        return own
    involved = exists().where(
        WorkTask.instance_id == ProcessInstance.id,
        or_(WorkTask.assignee == principal.username, WorkTask.completed_by == principal.username,
            _offered_to_groups(principal)),
    )
    return or_(own, involved)


def correlation_condition(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Cases the caller may drive with a message (POST /messages): those of the processes the security
    administrator granted its account, those that reached one of its groups (departments), and those it
    started. Nothing else, whatever the caller may read: a message moves a case on and writes its data."""
    granted = sorted(granted_processes(session, principal))
    reached = exists().where(WorkTask.instance_id == ProcessInstance.id, _offered_to_groups(principal))
    return or_(ProcessInstance.process_id.in_(granted) if granted else false(),
               reached if principal.groups else false(),
               ProcessInstance.started_by == principal.username)


def granted_processes(session: Session, principal: Principal) -> set[str]:
    """The processes a message from the caller may start a case of (its account's grants)."""
    return set(session.scalars(select(ProcessGrant.process_id).where(ProcessGrant.user_id == principal.user_id)))


def in_regions(regions) -> ColumnElement[bool]:
    """Service cases of these regions (a region-bound supervisor's view)."""
    return exists().where(Case.instance_id == ProcessInstance.id, Case.region_code.in_(sorted(regions)))


def _copied_to(principal: Principal) -> ColumnElement[bool]:
    return exists().where(InstanceCopy.instance_id == ProcessInstance.id,
                          or_(InstanceCopy.to_user == principal.username,
                              InstanceCopy.to_group.in_(sorted(principal.groups))))


def _offered_to_groups(principal: Principal) -> ColumnElement[bool]:
    return exists().where(WorkTaskCandidate.task_id == WorkTask.id,
                          WorkTaskCandidate.group_name.in_(sorted(principal.groups)))


def require_instance(session: Session, principal: Principal, instance_id: str) -> None:
    """Raise 404 unless the case exists and the caller may see it."""
    found = session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id))
    if found is None:
        raise Hidden("no case with this id", instance_id=instance_id)
    visible = session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.id == instance_id, instance_condition(principal)))
    if visible is None:
        raise Hidden("no case with this id", instance_id=instance_id)


def sees_only_as_copy(session: Session, principal: Principal, instance_id: str) -> bool:
    """The caller reads this case only because it was copied to them (抄送): identifiers stay masked."""
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.id == instance_id, instance_condition(principal, copies=False))) is None


def task_condition(principal: Principal, scope: str = "all", state: str = "ready") -> ColumnElement[bool]:
    """Tasks the caller may see; ``scope`` mine (assigned to me), queue (offered to my groups) or all."""
    mine = WorkTask.assignee == principal.username
    offered = _offered_to_groups(principal)
    if state == "ready":
        queue = WorkTask.assignee.is_(None) & offered
    else:
        mine = or_(mine, WorkTask.completed_by == principal.username)
        queue = offered
    condition = {"mine": mine, "queue": queue, "all": or_(mine, queue)}[scope]
    if not is_staff(principal):
        condition = condition & WorkTask.instance_id.in_(
            select(ProcessInstance.id).where(instance_condition(principal)))
    return condition


def require_task(session: Session, principal: Principal, task_id: str) -> WorkTask:
    """The task row, or 404 when it does not exist or the caller may not see it."""
    work = session.get(WorkTask, task_id)
    if work is None or not principal.may("tasks:work") or not _may_see(session, principal, work):
        raise Hidden("no task with this id", task_id=task_id)
    return work


def _may_see(session: Session, principal: Principal, work: WorkTask) -> bool:
    user = principal.username
    if user in (work.assignee, work.completed_by):
        return True
    if work.state == "ready" and work.assignee is not None:
        return False
    offered = bool(principal.groups.intersection(work.candidate_groups or [])) or user in (work.candidate_users or [])
    if not offered and not work.candidate_groups and not work.candidate_users:
        # Offered to nobody in particular: whoever may see the case may take it.
        offered = is_staff(principal)
    if not offered:
        return False
    if is_staff(principal):
        return True
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.id == work.instance_id, instance_condition(principal))) is not None


def case_applicants(session: Session, instance_id: str) -> list[str]:
    return list(session.scalars(select(CaseParty.username).where(CaseParty.instance_id == instance_id)))


# -- service cases -----------------------------------------------------------------------
def require_case(session: Session, principal: Principal, case_id: str) -> None:
    """Raise 404 unless the service case exists and the caller may see it."""
    require_instance(session, principal, case_id)
    case_row(session, case_id)


def require_handling(session: Session, principal: Principal, case_id: str, *, service_case: bool = True) -> None:
    """Staff actions on a case (corrections, refusals, licences, 加签, 抄送 ...): only staff working it.

    ``service_case=False`` accepts any process instance, not only a catalogue item's case.
    """
    if service_case:
        require_case(session, principal, case_id)
    else:
        require_instance(session, principal, case_id)
    if not is_staff(principal) or not handles_case(session, principal, case_id):
        raise Forbidden("only staff working this case may do this", case_id=case_id)


def handles_case(session: Session, principal: Principal, case_id: str) -> bool:
    """Staff working the case: its accepting window, whoever did one of its steps or may do an open one."""
    case = session.get(Case, case_id)
    if case is not None and case.window is not None and case.window in principal.groups:
        return True
    actor = Actor(user=principal.username, groups=principal.groups)
    tasks = session.scalars(select(WorkTask).where(WorkTask.instance_id == case_id,
                                                   WorkTask.state.in_(["ready", "completed"])))
    for task in tasks:
        if task.state == "completed" and task.completed_by == principal.username:
            return True
        if task.state == "ready" and actor.may_work(task.assignee, task.candidate_groups or [],
                                                    task.candidate_users or []):
            return True
    return False
