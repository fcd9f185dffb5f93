"""Accept-with-deficiencies (容缺受理) and notification-and-commitment (告知承诺).

Both accept the case now and let the applicant hand in some materials later, by a
deadline in working days. The case's clock keeps running (the case is being worked);
the promise is tracked on its own and the supervision job flags it once overdue
(:mod:`processes.supervision`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import history, runtime
from engine.actors import Actor

from .acceptance_models import MaterialPromise
from .case_errors import CaseInvalid, CaseNotAllowed, CaseNotFound, CaseStateError
from .case_models import Case
from .cases import change_case, staff_on_open
from .deadlines import load_calendar, require_aware
from .notices import PROMISE_KINDS, promise_notice, validate_items


def accept_with_deficiencies(uow, case_id: str, items: list[dict[str, Any]], *, days: int, actor: Actor,
                             now: datetime, task_id: str | None = None,
                             data: dict[str, Any] | None = None) -> int:
    """Accept although ``items`` are missing; they are due within ``days`` working days. Returns the promise id.

    ``task_id``/``data``: the acceptance step to complete in the same transaction.
    """
    return _grant(uow, case_id, "deficiency", items, days, actor, now, task_id, data)


def accept_on_commitment(uow, case_id: str, items: list[dict[str, Any]], *, days: int, actor: Actor,
                         now: datetime, task_id: str | None = None, data: dict[str, Any] | None = None) -> int:
    """Accept on the applicant's written commitment; ``items`` are due within ``days`` working days."""
    return _grant(uow, case_id, "commitment", items, days, actor, now, task_id, data)


def _grant(uow, case_id, kind, items, days, actor, now, task_id, data) -> int:
    clean, errors = validate_items(items)
    if not isinstance(days, int) or days < 1:
        errors.append({"pointer": "/days", "message": "give at least 1 working day"})
    if errors:
        raise CaseInvalid(f"{PROMISE_KINDS[kind]} cannot be granted as given", errors=errors)

    def change(unit, case: Case) -> int:
        due_at = load_calendar(unit.session).add_working_days(now, days)
        promise = MaterialPromise(
            case_id=case.instance_id, kind=kind, items=clean, days=days, due_at=due_at, granted_by=actor.user,
            granted_at=now, notice_text=promise_notice(
                kind=kind, tracking_number=case.tracking_number, item_name=case.item_name,
                department=case.department, items=clean, due_at=due_at, granted_at=now),
        )
        unit.session.add(promise)
        unit.session.flush()
        history.record(unit, case.instance_id, f"case.{kind}_granted", actor.user, promise_id=promise.id,
                       days=days, items=len(clean))
        return promise.id

    step = None
    if task_id is not None:
        step = lambda u: runtime.complete_task(u, task_id, data, actor=actor)  # noqa: E731
    return change_case(uow, case_id, change, now=now, check=lambda case: staff_on_open(case, actor),
                       engine_step=step)


def fulfil_promise(uow, promise_id: int, *, actor: Actor, now: datetime) -> None:
    """The promised materials arrived (checked by staff)."""
    require_aware(now)
    with uow:
        promise = uow.session.get(MaterialPromise, promise_id)
        if promise is None:
            raise CaseNotFound("no such promise", promise_id=promise_id)
        if promise.fulfilled_at is not None:
            raise CaseStateError("the promise is already fulfilled", promise_id=promise_id)
        case = uow.session.get(Case, promise.case_id)
        if actor.user == case.applicant_user and not actor.unrestricted:
            raise CaseNotAllowed("staff confirm that promised materials arrived", promise_id=promise_id)
        promise.fulfilled_by, promise.fulfilled_at = actor.user, now
        history.record(uow, promise.case_id, "case.promise_fulfilled", actor.user, promise_id=promise_id,
                       late=now > promise.due_at)
        uow.commit()


def promises_of(session, case_id: str, *, now: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(select(MaterialPromise).where(MaterialPromise.case_id == case_id)
                           .order_by(MaterialPromise.id))
    return [{"id": p.id, "kind": p.kind, "items": p.items, "days": p.days, "due_at": p.due_at,
             "notice_text": p.notice_text, "fulfilled_at": p.fulfilled_at,
             "overdue": p.fulfilled_at is None and now > p.due_at, "flagged_at": p.overdue_at} for p in rows]
