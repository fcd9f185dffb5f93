"""Electronic supervision (电子监察): lights on cases, steps and promises; queries and CSV for supervisors.

A case shows green, yellow once ``yellow_share`` of its promised working days are
used, red once its deadline has passed (pauses for corrections left out, see
:mod:`processes.deadlines`). Each open step is judged the same way against its own
deadline (``WorkTask.due_at`` from the BPMN ``yw:timeLimit``, pushed back by the
pauses it lived through), and each accept-with-deficiencies or commitment promise
turns red when its materials are overdue. The first time a subject reaches a light a
:class:`~processes.supervision_models.SupervisionNotice` is raised for the group that
must act; its unique key makes marking idempotent, so the job (one per case, taking
the case id) can run twice without harm.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import jobs
from engine.models import ProcessInstance, WorkTask, utcnow

from . import clock_stops
from .acceptance_models import MaterialPromise
from .case_errors import CaseInvalid, CaseNotFound
from .case_models import LIGHTS, Case
from .cases import sync_closure
from .csv_rows import rows_to_csv
from .deadlines import Clock, case_clock, load_calendar, open_pause, pauses_of, require_aware, step_clock
from .supervision_models import SupervisionNotice

JOB = "mark_case_lights"


@jobs.handler(JOB)
def mark_case_lights(uow, case_id: str, yellow_share: float, now: str | None = None) -> None:
    """Job: mark one case's lights (``now`` as ISO text for a replay; the wall clock otherwise)."""
    mark(uow.session, case_id, now=datetime.fromisoformat(now) if now else utcnow(), yellow_share=yellow_share)


SWEEP_JOB = "supervision_sweep"


@jobs.handler(SWEEP_JOB)
def sweep_job(uow, bucket: int, yellow_share: float = 0.8) -> None:
    """Periodic job: queue the lights job for every open case (the engine's tick queues this)."""
    queue_lights(uow, yellow_share=yellow_share)


def queue_lights(uow, *, yellow_share: float, now: datetime | None = None) -> int:
    """Inside the caller's transaction: one lights job per open case; returns how many."""
    ids = uow.session.scalars(select(Case.instance_id).where(Case.closed_at.is_(None))).all()
    for case_id in ids:
        args = {"case_id": case_id, "yellow_share": yellow_share}
        if now is not None:
            args["now"] = require_aware(now).isoformat()
        jobs.schedule(uow, JOB, args, dedup_key=f"{JOB}:{case_id}")
    return len(ids)


def schedule_sweep(uow, *, yellow_share: float, now: datetime | None = None) -> int:
    """Queue the lights job for every open case; returns how many were queued."""
    with uow:
        count = queue_lights(uow, yellow_share=yellow_share, now=now)
        uow.commit()
    return count


def mark_lights(uow, case_id: str, *, now: datetime, yellow_share: float) -> str:
    """Mark one case now (what the job does); returns the case's light."""
    require_aware(now)
    with uow:
        light = mark(uow.session, case_id, now=now, yellow_share=yellow_share)
        uow.commit()
    return light


def mark(session, case_id: str, *, now: datetime, yellow_share: float) -> str | None:
    """Work of the job, inside the caller's transaction; None when the case does not exist."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    if case.closed_at is None:
        ended_at = session.scalar(select(ProcessInstance.ended_at).where(ProcessInstance.id == case_id))
        sync_closure(session, case, ended_at or now)
    if case.closed_at is not None:
        return case.light
    clock_stops.sync(session, case, now)
    calendar = load_calendar(session)
    clock = case_clock(session, case, calendar, now)
    case.due_at = clock.due_at
    _set_light(case, clock.light(now, yellow_share), now)
    if case.light != "green":
        _raise(session, case, "case", case.light, clock, now, case.department)
    _mark_steps(session, case, calendar, now, yellow_share)
    _mark_promises(session, case, now)
    return case.light


def _set_light(case: Case, light: str, now: datetime) -> None:
    if light != case.light:
        case.light, case.light_at = light, now


def _mark_steps(session, case: Case, calendar, now: datetime, yellow_share: float) -> None:
    pauses = pauses_of(session, case.instance_id)
    running = open_pause(session, case.instance_id, "correction")
    tasks = session.scalars(select(WorkTask).where(WorkTask.instance_id == case.instance_id,
                                                   WorkTask.state == "ready")).all()
    for task in tasks:
        if running is not None and running.task_id == task.id:
            continue  # the applicant's correction: their time, not the department's
        clock = step_clock(task, pauses, calendar, now)
        if clock is None:
            continue
        light = clock.light(now, yellow_share)
        if light != "green":
            group = (task.candidate_groups or [None])[0] or case.department
            _raise(session, case, f"task:{task.id}", light, clock, now, group, element_id=task.element_id)


def _mark_promises(session, case: Case, now: datetime) -> None:
    promises = session.scalars(select(MaterialPromise).where(
        MaterialPromise.case_id == case.instance_id, MaterialPromise.fulfilled_at.is_(None),
        MaterialPromise.due_at < now)).all()
    for promise in promises:
        promise.overdue_at = promise.overdue_at or now
        _raise(session, case, f"promise:{promise.id}", "red", None, now, case.department, due_at=promise.due_at)


def _raise(session, case: Case, subject: str, level: str, clock: Clock | None, now: datetime, department: str,
           *, element_id: str | None = None, due_at: datetime | None = None) -> None:
    exists = session.scalar(select(SupervisionNotice.id).where(
        SupervisionNotice.case_id == case.instance_id, SupervisionNotice.subject == subject,
        SupervisionNotice.level == level))
    if exists is None:
        session.add(SupervisionNotice(case_id=case.instance_id, subject=subject, level=level,
                                      element_id=element_id, department=department,
                                      due_at=due_at or clock.due_at, raised_at=now))


# -- what supervisors read --------------------------------------------------
SUPERVISED_COLUMNS = ("tracking_number", "item_code", "item_name", "department", "region_code", "channel",
                      "opened_at", "promised_days", "paused_days", "due_at", "light", "light_at",
                      "outcome", "closed_at", "case_id", "due_provisional")


def supervised_cases(session, *, item_code: str | None = None, department: str | None = None,
                     region_code: str | None = None, light: str | None = None, open_only: bool = True,
                     limit: int = 1000, offset: int = 0,
                     regions: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Cases by item, department, region and light, most urgent first (lights as last marked).

    ``regions`` limits the answer to cases of those regions (a region-bound supervisor)."""
    if light is not None and light not in LIGHTS:
        raise CaseInvalid("unknown light", errors=[{"pointer": "/light", "message": f"one of {LIGHTS}"}])
    query = select(Case)
    for column, value in ((Case.item_code, item_code), (Case.department, department),
                          (Case.region_code, region_code), (Case.light, light)):
        if value is not None:
            query = query.where(column == value)
    if open_only:
        query = query.where(Case.closed_at.is_(None))
    if regions is not None:
        query = query.where(Case.region_code.in_(sorted(regions)))
    rows = session.scalars(query.order_by(Case.due_at, Case.tracking_number).limit(limit).offset(offset))
    # New columns come last so the CSV's earlier columns keep their places.
    calendar = load_calendar(session)
    derived = {"case_id": lambda case: case.instance_id,
               "due_provisional": lambda case: calendar.is_provisional(case.opened_at, case.due_at)}
    return [{column: derived[column](case) if column in derived else getattr(case, column)
             for column in SUPERVISED_COLUMNS} for case in rows]


def supervised_cases_csv(session, **filters: Any) -> str:
    return rows_to_csv(supervised_cases(session, **filters), SUPERVISED_COLUMNS)


def notices(session, *, department: str | None = None, level: str | None = None,
            open_only: bool = True, regions: Collection[str] | None = None) -> list[dict[str, Any]]:
    query = select(SupervisionNotice, Case.tracking_number).join(
        Case, Case.instance_id == SupervisionNotice.case_id)
    if department is not None:
        query = query.where(SupervisionNotice.department == department)
    if level is not None:
        query = query.where(SupervisionNotice.level == level)
    if open_only:
        query = query.where(SupervisionNotice.acknowledged_at.is_(None))
    if regions is not None:
        query = query.where(Case.region_code.in_(sorted(regions)))
    rows = session.execute(query.order_by(SupervisionNotice.raised_at, SupervisionNotice.id)).all()
    return [{"id": n.id, "tracking_number": tracking, "case_id": n.case_id, "subject": n.subject,
             "level": n.level, "element_id": n.element_id, "department": n.department, "due_at": n.due_at,
             "raised_at": n.raised_at, "acknowledged_by": n.acknowledged_by} for n, tracking in rows]


def acknowledge_notice(uow, notice_id: int, *, actor, now: datetime) -> None:
    require_aware(now)
    with uow:
        notice = uow.session.get(SupervisionNotice, notice_id)
        if notice is None:
            raise CaseNotFound("no such notice", notice_id=notice_id)
        if notice.acknowledged_at is None:
            notice.acknowledged_by, notice.acknowledged_at = actor.user, now
        uow.commit()

