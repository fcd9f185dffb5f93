"""Corrections (补正): one notice listing everything to correct; the clock stops until resubmission.

How the clock stops (decided here, see docs/cases.md):

* When the process has its own correction step for the applicant (as in
  ``examples/one_window_approval``: the window completes "受理" with ``acceptance =
  correct`` and the process hands "申请人补正" to the applicant), pass that window
  step's ``task_id``: the step is completed, the case's clock pauses while the
  applicant's task waits, and completing that task through :func:`resubmit`
  restarts the clock. The engine instance keeps running (the applicant must be able
  to work their task).
* When the process has no such step, the engine instance is *suspended*
  (:func:`engine.runtime.suspend_instance`) so no one advances it while the applicant
  corrects, and :func:`resubmit` resumes it.

Either way a :class:`~processes.case_models.ClockPause` records the wait; when it
ends, the working days it covered push the case deadline back by as many days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from engine import history, runtime
from engine.actors import Actor
from engine.models import WorkTask

from .acceptance_models import CorrectionNotice
from .case_errors import CaseInvalid, CaseNotAllowed, CaseStateError
from .case_models import Case, ClockPause
from .cases import change_case, require_open, staff_on_open, task_of_case
from .deadlines import end_pause, load_calendar, open_pause, pause_clock
from .notices import correction_notice, validate_items


def request_correction(uow, case_id: str, items: list[dict[str, Any]], *, actor: Actor, now: datetime,
                       task_id: str | None = None, data: dict[str, Any] | None = None,
                       locale: str = "zh-CN") -> int:
    """Issue the one-time correction notice and stop the clock; returns the notice id.

    Args:
        items: every deficient material or field: ``{kind: material|field, name,
            problem, ref?, requirement?}``; all are checked, all problems reported at once.
        task_id, data: the staff step to complete with ``data`` (it must lead to the
            applicant's correction task); without it the engine instance is suspended.
    """
    clean, errors = validate_items(items)
    if errors:
        raise CaseInvalid("the correction notice cannot be issued as given", errors=errors)

    def change(unit, case: Case) -> int:
        session = unit.session
        waiting = None
        if task_id is not None:
            task_of_case(session, case, task_id)
            waiting = _applicants_task(session, case)
        pause = pause_clock(session, case, reason="correction", now=now,
                            task_id=waiting.id if waiting else None, engine_suspended=task_id is None)
        round_ = 1 + session.scalar(select(func.count()).select_from(CorrectionNotice)
                                    .where(CorrectionNotice.case_id == case.instance_id))
        notice = CorrectionNotice(
            case_id=case.instance_id, round=round_, items=clean, pause_id=pause.id, issued_by=actor.user,
            issued_at=now, notice_text=correction_notice(
                tracking_number=case.tracking_number, item_name=case.item_name, department=case.department,
                round=round_, items=clean, issued_at=now),
        )
        session.add(notice)
        session.flush()
        history.record(unit, case.instance_id, "case.correction_requested", actor.user,
                       notice_id=notice.id, round=round_, items=len(clean))
        return notice.id

    if task_id is not None:
        step = lambda u: runtime.complete_task(u, task_id, data, actor=actor, locale=locale)  # noqa: E731
    else:
        step = lambda u: runtime.suspend_instance(u, case_id, actor=actor, reason="补正")  # noqa: E731
    return change_case(uow, case_id, change, now=now, check=lambda case: _may_request(case, actor),
                       engine_step=step)


def _may_request(case: Case, actor: Actor) -> None:
    staff_on_open(case, actor)
    if open_pause(object_session(case), case.instance_id, "correction") is not None:
        raise CaseStateError("a correction is already pending", case_id=case.instance_id)


def _applicants_task(session, case: Case) -> WorkTask:
    ready = session.scalars(select(WorkTask).where(WorkTask.instance_id == case.instance_id,
                                                   WorkTask.state == "ready")).all()
    found = [t for t in ready
             if t.assignee == case.applicant_user or case.applicant_user in (t.candidate_users or [])]
    if len(found) != 1:
        raise CaseStateError("the step did not hand the case to the applicant for correction",
                             case_id=case.instance_id, waiting=len(found))
    return found[0]


def resubmit(uow, case_id: str, *, actor: Actor, now: datetime, data: dict[str, Any] | None = None,
             locale: str = "zh-CN") -> int:
    """The applicant hands in the corrections: the clock restarts; returns the working days paused.

    With a correction task, ``data`` completes it (the engine checks it is the
    applicant's); otherwise the instance is resumed and ``data`` must be empty (the
    corrected materials come in through the material store).
    """
    with uow.env.unit_of_work() as look:
        pause = open_pause(look.session, case_id, "correction")
        if pause is None:
            raise CaseStateError("no correction is pending", case_id=case_id)
        pause_id, waiting_task = pause.id, pause.task_id
    if waiting_task is None and data:
        raise CaseInvalid("this case has no correction step to take data", case_id=case_id)

    def change(unit, case: Case) -> int:
        session = unit.session
        current = open_pause(session, case.instance_id, "correction")
        if current is None or current.id != pause_id:
            raise CaseStateError("the correction was closed in the meantime", case_id=case.instance_id)
        days = end_pause(session, case, current, load_calendar(session), now)
        notice = session.scalars(select(CorrectionNotice).where(CorrectionNotice.pause_id == current.id)).one()
        notice.resubmitted_by, notice.resubmitted_at = actor.user, now
        history.record(unit, case.instance_id, "case.corrections_resubmitted", actor.user,
                       notice_id=notice.id, paused_working_days=days)
        return days

    if waiting_task is not None:
        step = lambda u: runtime.complete_task(u, waiting_task, data, actor=actor, locale=locale)  # noqa: E731
    else:
        step = lambda u: runtime.resume_instance(u, case_id, actor=actor)  # noqa: E731
    return change_case(uow, case_id, change, now=now, check=lambda case: _may_resubmit(case, actor),
                       engine_step=step)


def _may_resubmit(case: Case, actor: Actor) -> None:
    """The applicant, or a clerk of the window that took the case, hands in corrections."""
    require_open(case)
    if not (actor.unrestricted or actor.user == case.applicant_user
            or (case.window is not None and case.window in actor.groups)):
        raise CaseNotAllowed("only the applicant or their window hands in corrections", user=actor.user)


def corrections_of(session, case_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CorrectionNotice, ClockPause).join(ClockPause, ClockPause.id == CorrectionNotice.pause_id)
        .where(CorrectionNotice.case_id == case_id).order_by(CorrectionNotice.round)
    ).all()
    return [{"id": n.id, "round": n.round, "items": n.items, "notice_text": n.notice_text,
             "issued_by": n.issued_by, "issued_at": n.issued_at, "resubmitted_at": n.resubmitted_at,
             "paused_working_days": p.working_days} for n, p in rows]
