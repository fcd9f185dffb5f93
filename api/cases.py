"""Use cases for cases (process instances) that the web service adds to the engine's.

Starting a case records who it belongs to and, given an ``Idempotency-Key``,
remembers it in the same transaction, so a retried request returns the case the
first one started instead of starting a second.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import queries, runtime
from engine.actors import Actor
from engine.models import ProcessInstance, utcnow

from .accounts import Principal
from .access import instance_condition
from .errors import IdempotencyConflict
from .models import CaseParty, IdempotencyRecord


def request_hash(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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
    idempotency_key: str | None = None,
    fingerprint: str = "",
    remember: timedelta = timedelta(hours=24),
) -> tuple[str, bool]:
    """Start a case; returns (instance id, replayed) where replayed means an earlier start was returned.

    A key is remembered for ``remember``; after that it may start a new case.
    """
    if idempotency_key:
        _forget_expired(uow.env, actor.user, idempotency_key, utcnow() - remember)
        earlier = _earlier_start(uow.env, actor.user, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier, True

    def record(unit) -> None:
        instance_id = created_instance_id(unit)
        if applicant:
            unit.session.add(CaseParty(instance_id=instance_id, username=applicant))
        if idempotency_key:
            unit.session.add(IdempotencyRecord(username=actor.user, key=idempotency_key,
                                               request_hash=fingerprint, instance_id=instance_id))
        unit.session.flush()

    uow.before_commit(record)
    try:
        instance_id = runtime.start_instance(uow, process_id=process_id, definition_id=definition_id,
                                             data=data or {}, business_key=business_key, actor=actor)
    except IntegrityError:
        # The same key raced us and committed first: its case is the answer.
        earlier = _earlier_start(uow.env, actor.user, idempotency_key, fingerprint) if idempotency_key else None
        if earlier is None:
            raise
        return earlier, True
    return instance_id, False


def _earlier_start(env, username: str, key: str, fingerprint: str) -> str | None:
    with env.unit_of_work() as uow:
        found = uow.session.execute(select(IdempotencyRecord.request_hash, IdempotencyRecord.instance_id).where(
            IdempotencyRecord.username == username, IdempotencyRecord.key == key)).first()
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was used for a different request", key=key)
    return found.instance_id


def _forget_expired(env, username: str, key: str, before) -> None:
    with env.unit_of_work() as uow:
        gone = uow.session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.username == username, IdempotencyRecord.key == key,
            IdempotencyRecord.created_at < before)).rowcount
        if gone:
            uow.commit()


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
