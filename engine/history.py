"""The case history: one row per thing that happened, written in the step's transaction.

Details are sealed like the case's state (:mod:`engine.sealing`): a completed step's
data holds the same identifiers as the case, so :func:`details_of` opens them on read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from .models import HistoryEvent, utcnow
from .sealing import NO_FIELDS

# Built once: a step's history row is a plain Core insert (no per-call statement building).
# Inline: nobody reads the new row's id, so PostgreSQL is not asked for it, and the
# insert can wait in a pipeline with the step's other writes (engine.db.pipelined).
_RECORD = insert(HistoryEvent.__table__).inline()
# Details the engine writes from the BPMN itself (element ids), never personal: stored as they are,
# so readers without the keys can use them (processes.outcomes reads the end events reached).
PLAIN_DETAILS = frozenset({"end_events"})


def record(
    uow,
    instance_id: str,
    action: str,
    actor: str | None = None,
    *,
    task_id: str | None = None,
    element_id: str | None = None,
    **details: Any,
) -> None:
    plain = {key: details.pop(key) for key in PLAIN_DETAILS & details.keys()}
    fields = uow.personal_fields.get(instance_id, NO_FIELDS)
    sealed = {**uow.env.protector.seal(details, context_of(instance_id), fields), **plain}
    uow.session.execute(_RECORD, {
        "instance_id": instance_id, "task_id": task_id, "element_id": element_id,
        "action": action, "actor": actor, "details": sealed, "at": utcnow(),
    })


def context_of(instance_id: str) -> str:
    """What a case's sealed values are bound to: they open only as this case's (state and history)."""
    return f"instance:{instance_id}"


def details_of(env, instance_id: str, details: dict[str, Any] | None) -> dict[str, Any]:
    """A history row's details with its sealed values opened."""
    return env.protector.open(details or {}, context_of(instance_id))
