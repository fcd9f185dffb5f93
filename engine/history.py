"""The case history: one row per thing that happened, written in the step's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from .models import HistoryEvent, utcnow

# Built once: a step's history row is a plain Core insert (no per-call statement building).
# Inline: nobody reads the new row's id, so PostgreSQL is not asked for it, and the
# insert can wait in a pipeline with the step's other writes (engine.db.pipelined).
_RECORD = insert(HistoryEvent.__table__).inline()


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
    uow.session.execute(_RECORD, {
        "instance_id": instance_id, "task_id": task_id, "element_id": element_id,
        "action": action, "actor": actor, "details": details, "at": utcnow(),
    })
