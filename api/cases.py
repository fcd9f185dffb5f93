"""Use cases for cases (process instances) that the web service adds to the engine's.

Starting a case records who it belongs to and, given an ``Idempotency-Key``,
remembers it in the same transaction (see :mod:`api.idempotency`), so a retried
request returns the case the first one started instead of starting a second.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import queries, runtime
from engine.actors import Actor
from engine.models import ProcessInstance

from . import idempotency
from .accounts import Principal
from .access import instance_condition
from .idempotency import Claim
from .models import CaseParty


def created_instance_id(uow) -> str | None:
    """The case a start created (for records written before commit)."""
    return uow.instance_id


def start_case(
    uow,
    *,
    actor: Actor,
    process_id: str | None = None,
    definition_id: int | None = None,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    applicant: str | None = None,
    claim: Claim | None = None,
) -> tuple[str, bool]:
    """Start a case; returns (instance id, replayed) where replayed means an earlier start was returned.

    Given a ``claim`` (an Idempotency-Key), a retried request returns the case the
    first one started, for as long as the key is remembered.
    """
    def record_party(unit) -> None:
        if applicant:
            unit.session.add(CaseParty(instance_id=created_instance_id(unit), username=applicant))

    def start(unit) -> list[str]:
        unit.before_commit(record_party)
        return [runtime.start_instance(unit, process_id=process_id, definition_id=definition_id,
                                       data=data or {}, business_key=business_key, actor=actor)]

    started, replayed = idempotency.run_once(uow, claim, start)
    return started[0], replayed


def list_cases(session: Session, principal: Principal, *, process_id=None, status=None, business_key=None,
               started_after=None, started_before=None, limit=50, offset=0) -> tuple[list[ProcessInstance], int]:
    """The cases the caller may see, newest first, and how many match in all."""
    condition = instance_condition(principal)
    query = select(ProcessInstance).where(condition)
    for column, value in ((ProcessInstance.process_id, process_id), (ProcessInstance.status, status),
                          (ProcessInstance.business_key, business_key)):
        if value is not None:
            query = query.where(column == value)
    if started_after is not None:
        query = query.where(ProcessInstance.started_at >= started_after)
    if started_before is not None:
        query = query.where(ProcessInstance.started_at < started_before)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def case_view(uow, instance_id: str) -> dict[str, Any]:
    """State, current steps, data, history and applicants of a case (unmasked)."""
    view = queries.get_instance(uow, instance_id, with_data=True)
    view["current_tasks"] = view.pop("open_tasks")
    view["history"] = queries.history(uow, instance_id)
    view["applicants"] = sorted(uow.session.scalars(
        select(CaseParty.username).where(CaseParty.instance_id == instance_id)))
    return view


def status_of(session: Session, instance_id: str) -> str | None:
    return session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id))
