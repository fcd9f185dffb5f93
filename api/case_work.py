"""The web service's side of cases (办件): opening one for a catalogue item, and reading it back.

The use cases themselves are :mod:`processes`' (they take ``now`` and check who may
act); this module finds the item version a case applies for, records the
applicant as a party of the case (so the API's access rules and masking know
them), and assembles the views the endpoints answer with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.calendar import WorkingCalendar
from engine.models import ProcessInstance, WorkTask
from processes import cases, catalogue, commitments, corrections, drafts, smart_approval
from processes.acceptance_models import CaseRefusal
from processes.case_models import Case
from processes.deadlines import load_calendar
from processes.licence_models import ELicence
from processes.rating_models import CaseRating

from .accounts import Principal
from .access import instance_condition
from .errors import Invalid
from .models import CaseParty
from .worklist import task_out

ONLINE_CHANNELS = ("online", "self_service")


def open_case(uow, principal: Principal, *, item_code: str, item_version: int | None, channel: str,
              window: str | None, applicant: dict[str, Any], data: dict[str, Any], now: datetime) -> str:
    """Open a case of a published item version; returns the case id.

    Online and self-service cases are the caller's own; a clerk at a window names
    the applicant's account.
    """
    user = applicant.get("user") or (principal.username if channel in ONLINE_CHANNELS else None)
    if not user:
        raise Invalid("name the applicant's account", errors=[{"pointer": "/applicant/user",
                                                               "message": "required for a window case"}])
    with uow.env.unit_of_work() as look:
        row = catalogue.get_version(look.session, item_code, item_version)
        item = row.case_ref()
        start = catalogue.prepare_case(look.session, item_code, data, applicant=user, version=row.version)
    named = start.data.get("applicant")
    if isinstance(named, str) and named != user:
        raise Invalid("the application names another applicant",
                      errors=[{"pointer": "/data/applicant", "message": f"must be {user!r}, the case's applicant"}])

    def record_party(unit) -> None:
        unit.session.add(CaseParty(instance_id=unit.instance_id, username=user))
        if channel in ONLINE_CHANNELS:  # the applicant's own draft of this item is now a case
            drafts.discard_in(unit.session, principal.username, item_code)

    uow.before_commit(record_party)
    return cases.open_case(uow, item=item, applicant=cases.Applicant(user, applicant["id_number"],
                                                                     applicant["kind"]),
                           channel=channel, window=window, actor=_actor(principal), now=now, data=start.data)


def _actor(principal: Principal) -> Actor:
    return Actor(user=principal.username, groups=principal.groups)


# -- views ------------------------------------------------------------------------------
def summary(session: Session, case: Case, calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    view = cases.get_case(session, case.instance_id, calendar)
    view["case_id"] = view.pop("instance_id")
    view["status"] = cases.public_status(session, case)
    view["status_label"] = cases.STATUS_LABELS[view["status"]]
    return view


def case_view(session: Session, case_id: str, *, now: datetime) -> dict[str, Any]:
    """The case with its steps, corrections, promises, refusal, licences, rating and decisions."""
    case = cases.case_row(session, case_id)
    refusal = session.get(CaseRefusal, case_id)
    rating = session.get(CaseRating, case_id)
    ready = session.scalars(select(WorkTask).where(WorkTask.instance_id == case_id, WorkTask.state == "ready")
                            .order_by(WorkTask.created_at, WorkTask.id))
    calendar = load_calendar(session)
    return {
        **summary(session, case, calendar),
        "current_tasks": [task_out(t, calendar=calendar) for t in ready],
        "corrections": corrections.corrections_of(session, case_id),
        "promises": commitments.promises_of(session, case_id, now=now),
        "refusal": refusal and {"case_id": case_id, "reason": refusal.reason, "basis": refusal.basis,
                                "notice_text": refusal.notice_text, "refused_at": refusal.refused_at},
        "licences": list(session.scalars(select(ELicence.number).where(ELicence.case_id == case_id)
                                         .order_by(ELicence.issued_at, ELicence.number))),
        "rating": rating and {"case_id": case_id, "score": rating.score, "comment": rating.comment,
                              "rated_at": rating.rated_at},
        "decisions": smart_approval.decisions_of(session, case_id),
    }


def list_cases(session: Session, principal: Principal, *, item_code: str | None = None, light: str | None = None,
               open_only: bool = False, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The cases the caller may see, newest first."""
    query = select(Case).join(ProcessInstance, ProcessInstance.id == Case.instance_id).where(
        instance_condition(principal))
    if item_code is not None:
        query = query.where(Case.item_code == item_code)
    if light is not None:
        query = query.where(Case.light == light)
    if open_only:
        query = query.where(Case.closed_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Case.opened_at.desc(), Case.instance_id).limit(limit).offset(offset))
    calendar = load_calendar(session)
    return [summary(session, c, calendar) for c in rows], total


def promise_days(session: Session, case_id: str, kind: str) -> int | None:
    """The working days the item's 容缺/告知承诺 option grants, if it sets them."""
    case = cases.case_row(session, case_id)
    item = catalogue.get_version(session, case.item_code, case.item_version).item()
    option = item.deficiencies if kind == "deficiency" else item.commitment
    return int(option.deadline_days) if option.enabled and option.deadline_days else None


def licence_defaults(session: Session, case_id: str) -> dict[str, Any]:
    """Type, title and issuer of a case's licence, from its item's ``result`` and department."""
    case = cases.case_row(session, case_id)
    document = catalogue.get_version(session, case.item_code, case.item_version).document
    result = document.get("result") or {}
    return {"licence_type": result.get("e_licence_type"), "title": result.get("name"),
            "issuer": case.department, "holder_kind": case.applicant_kind}
