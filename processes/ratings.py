"""Ratings (好差评): the applicant rates a finished case once; poor ratings go to supervisors.

A rating of 1 or 2 is flagged for follow-up and points at the staff step that last
handled the case (task, BPMN element, handler), with every staff step kept beside
it, so a supervisor can see whose work the complaint is about.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import history
from engine.actors import Actor
from engine.models import ProcessInstance, WorkTask

from .case_errors import CaseInvalid, CaseNotAllowed, CaseNotFound, CaseStateError
from .case_models import Case
from .cases import ENDED, case_row
from .deadlines import require_aware
from .rating_models import CaseRating

FLAG_AT_OR_BELOW = 2
MAX_COMMENT = 2000


def rate_case(uow, case_id: str, score: int, comment: str | None = None, *, actor: Actor, now: datetime) -> bool:
    """Record the applicant's rating; returns True when it was flagged for follow-up."""
    require_aware(now)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise CaseInvalid("a rating is 1 to 5", errors=[{"pointer": "/score", "message": "an integer 1..5"}])
    if comment is not None and len(comment) > MAX_COMMENT:
        raise CaseInvalid("the comment is too long", errors=[{"pointer": "/comment",
                                                               "message": f"at most {MAX_COMMENT} characters"}])
    with uow:
        session = uow.session
        case = case_row(session, case_id)
        if actor.user != case.applicant_user:
            raise CaseNotAllowed("only the case's applicant may rate it", case_id=case_id, user=actor.user)
        if not _finished(session, case):
            raise CaseStateError("a case is rated once it is finished", case_id=case_id)
        if session.get(CaseRating, case_id) is not None:
            raise CaseStateError("the case is already rated", case_id=case_id)
        steps = staff_steps(session, case)
        last = steps[-1] if steps else {}
        flagged = score <= FLAG_AT_OR_BELOW
        session.add(CaseRating(
            case_id=case_id, score=score, comment=comment, rated_by=actor.user, rated_at=now, flagged=flagged,
            handled_task_id=last.get("task_id"), handled_element_id=last.get("element_id"),
            handler=last.get("handler"), steps=steps,
        ))
        history.record(uow, case_id, "case.rated", actor.user, score=score, flagged=flagged)
        try:
            uow.commit()
        except IntegrityError:  # a second rating raced this one and won
            raise CaseStateError("the case is already rated", case_id=case_id) from None
    return flagged


def _finished(session, case: Case) -> bool:
    if case.closed_at is not None:
        return True
    status = session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == case.instance_id))
    return status in ENDED


def staff_steps(session, case: Case) -> list[dict[str, Any]]:
    """The completed steps worked by staff (not the applicant), in the order they finished."""
    tasks = session.scalars(select(WorkTask).where(
        WorkTask.instance_id == case.instance_id, WorkTask.state == "completed",
    ).order_by(WorkTask.completed_at, WorkTask.id)).all()
    return [{"task_id": t.id, "element_id": t.element_id, "name": t.name, "handler": t.completed_by,
             "groups": t.candidate_groups or []}
            for t in tasks if t.completed_by and t.completed_by != case.applicant_user]


def flagged_ratings(session, *, department: str | None = None, open_only: bool = True,
                    regions: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Poor ratings waiting for (or given) a supervisor's follow-up (of cases in ``regions``, if given)."""
    query = select(CaseRating, Case).join(Case, Case.instance_id == CaseRating.case_id).where(
        CaseRating.flagged.is_(True))
    if department is not None:
        query = query.where(Case.department == department)
    if open_only:
        query = query.where(CaseRating.followed_up_at.is_(None))
    if regions is not None:
        query = query.where(Case.region_code.in_(sorted(regions)))
    rows = session.execute(query.order_by(CaseRating.rated_at, CaseRating.case_id)).all()
    return [{"case_id": r.case_id, "tracking_number": c.tracking_number, "item_code": c.item_code,
             "department": c.department, "score": r.score, "comment": r.comment, "rated_at": r.rated_at,
             "handled_task_id": r.handled_task_id, "handled_element_id": r.handled_element_id,
             "handler": r.handler, "steps": r.steps, "follow_up": r.follow_up,
             "followed_up_at": r.followed_up_at} for r, c in rows]


def follow_up(uow, case_id: str, note: str, *, actor: Actor, now: datetime) -> None:
    """A supervisor records what was done about a poor rating."""
    require_aware(now)
    if not isinstance(note, str) or not note.strip():
        raise CaseInvalid("say what was done", errors=[{"pointer": "/note", "message": "required"}])
    with uow:
        rating = uow.session.get(CaseRating, case_id)
        if rating is None or not rating.flagged:
            raise CaseNotFound("no flagged rating for this case", case_id=case_id)
        rating.follow_up, rating.followed_up_by, rating.followed_up_at = note.strip(), actor.user, now
        history.record(uow, case_id, "case.rating_followed_up", actor.user)
        uow.commit()
