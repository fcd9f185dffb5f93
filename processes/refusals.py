"""Refusal to accept (不予受理): the reason, a notice with the applicant's remedies, the case closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import history, runtime
from engine.actors import Actor

from .acceptance_models import CaseRefusal
from .case_errors import CaseInvalid
from .case_models import Case
from .cases import change_case, staff_on_open
from .deadlines import end_pause, load_calendar, open_pause
from .notices import refusal_notice


def refuse_case(uow, case_id: str, reason: str, *, actor: Actor, now: datetime, basis: str | None = None,
                task_id: str | None = None, data: dict[str, Any] | None = None) -> str:
    """Refuse to accept the case; returns the notice text.

    With ``task_id`` the acceptance step is completed with ``data`` (its process then
    ends the case, e.g. at "不予受理"); without it the instance is cancelled.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise CaseInvalid("a refusal gives its reason", errors=[{"pointer": "/reason", "message": "required"}])

    def change(unit, case: Case) -> str:
        session = unit.session
        while (pause := open_pause(session, case.instance_id)) is not None:
            # the applicant never corrected (or a procedure still ran): the wait ends with the refusal
            end_pause(session, case, pause, load_calendar(session), now)
        text = refusal_notice(tracking_number=case.tracking_number, item_name=case.item_name,
                              department=case.department, reason=reason.strip(), basis=basis, refused_at=now)
        session.add(CaseRefusal(case_id=case.instance_id, reason=reason.strip(), basis=basis, notice_text=text,
                                refused_by=actor.user, refused_at=now))
        case.outcome, case.closed_at = "not_accepted", now
        history.record(unit, case.instance_id, "case.refused", actor.user)
        return text

    if task_id is not None:
        step = lambda u: runtime.complete_task(u, task_id, data, actor=actor)  # noqa: E731
    else:
        step = lambda u: runtime.cancel_instance(u, case_id, actor=actor, reason="不予受理")  # noqa: E731
    return change_case(uow, case_id, change, now=now, check=lambda case: staff_on_open(case, actor),
                       engine_step=step)
