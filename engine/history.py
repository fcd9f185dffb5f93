"""The case history: one row per thing that happened, written in the step's transaction."""

from __future__ import annotations

from typing import Any

from .models import HistoryEvent


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
    uow.session.add(
        HistoryEvent(
            instance_id=instance_id,
            task_id=task_id,
            element_id=element_id,
            action=action,
            actor=actor,
            details=details,
        )
    )
