"""Cases (办件): opening one for a service item, working its steps, and what the public sees.

A case is opened online (or at a self-service kiosk) by the applicant, or at a
comprehensive window by a clerk on the applicant's behalf; either way it gets a
tracking number and its clock starts. Use cases take a unit of work, ids and plain
values, and ``now`` (injected, never read from the wall clock here).

A case change that goes with an engine step (completing a task, suspending the
instance ...) is written from the unit of work's ``before_commit`` hook, so the
step and the case change commit together or not at all (:func:`change_case`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import history, runtime
from engine.actors import Actor
from engine.calendar import WorkingCalendar
from engine.models import ProcessInstance, WorkTask
from forms import identifiers
from forms.messages import format_message

from . import clock_stops, smart_approval
from .case_errors import CaseInvalid, CaseNotAllowed, CaseNotFound, CaseStateError
from .case_models import CHANNELS, Case
from .deadlines import (
    case_clock,
    case_due,
    load_calendar,
    open_pause,
    pauses_of,
    require_aware,
    step_clock,
)
from .outcomes import completed_outcome
from .receipts import allocate_tracking_number, case_by_query, new_query_code, opening_day

ENDED = {"completed": "completed", "terminated": "cancelled", "cancelled": "cancelled"}
# How a person's or a company's number is checked: the product's one rule (forms.identifiers).
ID_CHECKS = {"person": ("cn-resident-id", identifiers.resident_id_problem),
             "company": ("cn-uscc", identifiers.uscc_problem)}


def id_number_errors(kind: str, number: str | None, *, pointer: str, kind_pointer: str,
                     locale: str = "zh-CN") -> list[dict[str, str]]:
    """What is wrong with a person's ID number or a company's credit code, as (pointer, message)."""
    check = ID_CHECKS.get(kind)
    if check is None:
        return [{"pointer": kind_pointer, "message": "kind is 'person' or 'company'"}]
    reason = check[1](number or "")
    return [{"pointer": pointer, "reason": reason, "message": format_message(check[0], reason, locale)}] if reason \
        else []


@dataclass(frozen=True)
class ItemRef:
    """What a case needs to know of its service item (taken from the catalogue by the caller)."""

    code: str
    version: int
    name: str
    department: str
    region_code: str
    promised_days: float  # working days; a part day counts as a whole one
    process_id: str | None = None
    definition_id: int | None = None
    smart_approval: bool = False
    # The form versions the item version was published with (None: the latest).
    form_versions: dict[str, int] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Applicant:
    """The applicant: their account and their resident ID number or unified social credit code."""

    user: str
    id_number: str
    kind: str = "person"  # person | company


def mask_id(number: str) -> str:
    """``110105**********002X``: first and last four characters kept."""
    return number[:4] + "*" * max(0, len(number) - 8) + number[-4:]


# -- opening ----------------------------------------------------------------
def open_case(uow, *, item: ItemRef, applicant: Applicant, channel: str, actor: Actor, now: datetime,
              data: dict[str, Any] | None = None, window: str | None = None, locale: str = "zh-CN") -> str:
    """Open a case and start its process; returns the case id (its engine instance id).

    Raises:
        CaseNotAllowed: online and self-service cases are opened by the applicant
            themselves; window cases by a clerk of that window.
        CaseInvalid: every problem with the item terms, channel or applicant at once.
    """
    require_aware(now)
    _check_opening(item, applicant, channel, window, locale)
    _check_opener(applicant, channel, window, actor)
    tracking_number = allocate_tracking_number(
        uow.env.unit_of_work(), item_code=item.code, region_code=item.region_code, day=opening_day(now))

    def record(unit) -> None:
        session = unit.session
        instance_id = _started_instance(unit, tracking_number)
        case = Case(
            instance_id=instance_id, tracking_number=tracking_number, query_code=new_query_code(),
            item_code=item.code,
            item_version=item.version, item_name=item.name, department=item.department,
            region_code=item.region_code, channel=channel, applicant_user=applicant.user,
            applicant_kind=applicant.kind, applicant_id_masked=mask_id(applicant.id_number),
            opened_by=actor.user, window=window if channel == "window" else None, opened_at=now,
            promised_days=math.ceil(item.promised_days), paused_days=0, light="green",
            smart_approval=item.smart_approval,
        )
        case.due_at = case_due(load_calendar(session), case, 0)
        session.add(case)
        history.record(unit, instance_id, "case.opened", actor.user, tracking_number=tracking_number,
                       channel=channel, item_code=item.code, item_version=item.version)
        _after_step(unit, case, now)

    uow.before_commit(record)
    return runtime.start_instance(uow, process_id=item.process_id, definition_id=item.definition_id,
                                  data=data or {}, business_key=tracking_number, actor=actor, locale=locale,
                                  form_versions=item.form_versions)


def _check_opening(item: ItemRef, applicant: Applicant, channel: str, window: str | None,
                   locale: str = "zh-CN") -> None:
    errors = []
    if channel not in CHANNELS:
        errors.append({"pointer": "/channel", "message": f"channel is one of {', '.join(CHANNELS)}"})
    if channel == "window" and not window:
        errors.append({"pointer": "/window", "message": "a window case names the accepting window"})
    errors += id_number_errors(applicant.kind, applicant.id_number, pointer="/applicant/id_number",
                               kind_pointer="/applicant/kind", locale=locale)
    days = item.promised_days
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days < 10000:
        errors.append({"pointer": "/item/promised_days", "message": "the promised limit is a positive number of "
                                                                    "working days"})
    for name in ("code", "name", "department"):
        if not getattr(item, name):
            errors.append({"pointer": f"/item/{name}", "message": f"the item's {name} is required"})
    if errors:
        raise CaseInvalid("the case cannot be opened as given", errors=errors)


def _check_opener(applicant: Applicant, channel: str, window: str | None, actor: Actor) -> None:
    if channel == "window":
        if not (actor.unrestricted or window in actor.groups):
            raise CaseNotAllowed("only a clerk of the accepting window opens a case there",
                                 user=actor.user, window=window)
    elif actor.user != applicant.user:
        raise CaseNotAllowed("online and self-service cases are opened by the applicant", user=actor.user)


def _started_instance(unit, tracking_number: str) -> str:
    """The instance the engine started in this unit of work (it names it in ``unit.instance_id``)."""
    if unit.instance_id is None:
        raise CaseStateError("the started instance is not in this transaction", tracking_number=tracking_number)
    return unit.instance_id


# -- changing a case with an engine step --------------------------------------
def change_case(uow, case_id: str, change: Callable[[Any, Case], Any], *, now: datetime,
                check: Callable[[Case], None] | None = None,
                engine_step: Callable[[Any], Any] | None = None) -> Any:
    """Apply ``change(uow, case)`` in one transaction, together with ``engine_step(uow)`` if given.

    ``engine_step`` runs one engine use case on the same unit of work (it commits);
    the change is made just before that commit. ``check(case)`` raises when the
    change does not apply; it runs before the engine step (so its error is the one
    reported) and again inside the transaction. Returns what ``change`` returns.
    """
    require_aware(now)
    result: list[Any] = []

    def apply(unit) -> None:
        case = case_row(unit.session, case_id)
        if check is not None:
            check(case)
        result.append(change(unit, case))
        _after_step(unit, case, now)

    if engine_step is None:
        with uow:
            apply(uow)
            uow.commit()
        return result[0]
    if check is not None:
        with uow.env.unit_of_work() as look:
            check(case_row(look.session, case_id))
    uow.before_commit(apply)
    engine_step(uow)
    return result[0]


def complete_step(uow, case_id: str, task_id: str, data: dict[str, Any] | None = None, *, actor: Actor,
                  now: datetime, outcome: str | None = None, locale: str = "zh-CN") -> None:
    """Complete one of the case's tasks; ``outcome`` is recorded if this step ends the case."""

    def change(unit, case: Case) -> None:
        task_of_case(unit.session, case, task_id)
        if outcome is not None:
            unit.session.flush()
            if unit.session.get(ProcessInstance, case.instance_id).status in ENDED:
                case.outcome = case.outcome or outcome

    change_case(uow, case_id, change, now=now, check=require_open,
                engine_step=lambda u: runtime.complete_task(u, task_id, data, actor=actor, locale=locale))


def _after_step(unit, case: Case, now: datetime) -> None:
    clock_stops.sync(unit.session, case, now)
    sync_closure(unit.session, case, now)
    if case.smart_approval:
        smart_approval.schedule_recording(unit, case.instance_id)


def sync_closure(session, case: Case, now: datetime) -> None:
    """Close the case once its instance has ended (at ``now``, the moment this step ran)."""
    if case.closed_at is not None:
        return
    session.flush()
    status = session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == case.instance_id))
    if status in ENDED:
        case.closed_at = now
        if case.outcome is None:
            case.outcome = completed_outcome(session, case.instance_id) if status == "completed" else ENDED[status]


# -- reading ----------------------------------------------------------------
def case_row(session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound("no case with this id", case_id=case_id)
    return case


def require_open(case: Case) -> None:
    if case.closed_at is not None:
        raise CaseStateError("the case is closed", case_id=case.instance_id, outcome=case.outcome)


def require_staff(case: Case, actor: Actor) -> None:
    if actor.user == case.applicant_user and not actor.unrestricted:
        raise CaseNotAllowed("the applicant cannot do this to their own case", case_id=case.instance_id)


def staff_on_open(case: Case, actor: Actor) -> None:
    """The check of staff actions: the case is open and the actor is not its applicant."""
    require_open(case)
    require_staff(case, actor)


def task_of_case(session, case: Case, task_id: str) -> WorkTask:
    work = session.get(WorkTask, task_id)
    if work is None or work.instance_id != case.instance_id:
        raise CaseNotFound("the case has no such task", case_id=case.instance_id, task_id=task_id)
    return work


def get_case(session, case_id: str, calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """The case as staff see it (the applicant's ID number masked).

    ``due_provisional``: the deadline counts through a year whose holiday notice is not
    loaded yet (pass the ``calendar`` when reading many cases).
    """
    case = case_row(session, case_id)
    view = {column: getattr(case, column) for column in (
        "instance_id", "tracking_number", "item_code", "item_version", "item_name", "department",
        "region_code", "channel", "applicant_user", "applicant_kind", "applicant_id_masked", "opened_by",
        "window", "opened_at", "promised_days", "paused_days", "due_at", "light", "outcome", "closed_at")}
    view["due_provisional"] = (calendar or load_calendar(session)).is_provisional(case.opened_at, case.due_at)
    return view


STATUS_LABELS = {
    "in_progress": "办理中",
    "awaiting_correction": "待补正",
    "special_procedure": "特别程序中（办理时限暂停计算）",
    "completed": "已办结",
    "not_accepted": "不予受理",
    "cancelled": "已撤销",
}


def public_progress(session, tracking_number: str, *, query_code: str | None, now: datetime) -> dict[str, Any]:
    """Progress whoever holds the receipt (number and query code) may see: steps, deadlines, status.

    Carries no personal data: no names, ID numbers, account names, handlers or form data.
    """
    case = case_by_query(session, tracking_number, query_code)
    calendar = load_calendar(session)
    pauses = pauses_of(session, case.instance_id)
    tasks = session.scalars(
        select(WorkTask).where(WorkTask.instance_id == case.instance_id, WorkTask.state != "cancelled")
        .order_by(WorkTask.created_at, WorkTask.id)
    ).all()
    current = []
    for task in tasks:
        if task.state == "ready":
            clock = step_clock(task, pauses, calendar, now)
            current.append({"step": task.name or task.element_id, "since": task.created_at,
                            "due_at": clock.due_at if clock else None,
                            "due_provisional": bool(clock and clock.provisional)})
    return {
        "tracking_number": case.tracking_number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "opened_at": case.opened_at,
        "status": (status := public_status(session, case)),
        "status_label": STATUS_LABELS[status],
        "due_at": (clock := case_clock(session, case, calendar, now)).due_at,
        "due_provisional": clock.provisional,
        "closed_at": case.closed_at,
        "steps_done": [{"step": t.name or t.element_id, "finished_at": t.completed_at}
                       for t in tasks if t.state == "completed"],
        "current_steps": current,
    }


def public_status(session, case: Case) -> str:
    """What a case shows the public: in progress, awaiting correction, or how it ended."""
    if case.closed_at is not None:
        return {"not_accepted": "not_accepted", "cancelled": "cancelled"}.get(case.outcome, "completed")
    if open_pause(session, case.instance_id, "correction"):
        return "awaiting_correction"
    return "special_procedure" if open_pause(session, case.instance_id, clock_stops.REASON) else "in_progress"
