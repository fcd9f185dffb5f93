"""Who handles a human task, which form it shows and when it is due.

Read from ``task_spec.extensions["yiwang"]`` (see :mod:`engine.task_attributes`).
Values written ``${expr}`` are expressions over the task's data, evaluated by the
sandboxed evaluator, so a multi-instance countersign can route each child to its
own department (``candidateGroups="${department}"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .calendar import WorkingCalendar
from .errors import ExpressionFailed


@dataclass
class Assignment:
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    assignee: str | None = None
    form_key: str | None = None
    due_at: datetime | None = None
    # Working days of yw:timeLimit that due_at was counted from (None for a yw:dueDate).
    time_limit_days: float | None = None


def attributes_of(task_spec) -> dict[str, Any]:
    return (getattr(task_spec, "extensions", None) or {}).get("yiwang") or {}


def resolve(task, now: datetime, calendar: WorkingCalendar | None = None) -> Assignment:
    attrs = attributes_of(task.task_spec)
    evaluate = task.workflow.script_engine.environment.evaluate
    groups = _names(attrs.get("candidateGroups"), task, evaluate)
    if not groups and getattr(task.task_spec, "lane", None):
        groups = [task.task_spec.lane]
    assignee = _names(attrs.get("assignee"), task, evaluate)
    return Assignment(
        candidate_groups=groups,
        candidate_users=_names(attrs.get("candidateUsers"), task, evaluate),
        assignee=assignee[0] if assignee else None,
        form_key=attrs.get("formKey"),
        due_at=_due(attrs, task, evaluate, now, calendar or WorkingCalendar()),
        time_limit_days=attrs.get("timeLimitDays"),
    )


def expression_of(value: str) -> str | None:
    value = value.strip()
    if value.startswith("${") and value.endswith("}"):
        return value[2:-1].strip()
    return None


def _names(value, task, evaluate) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        expr = expression_of(str(item))
        if expr is None:
            names.extend(part.strip() for part in str(item).split(",") if part.strip())
            continue
        result = evaluate(expr, dict(task.data))
        if result is None:
            continue
        names.extend(str(r) for r in (result if isinstance(result, (list, tuple)) else [result]))
    return names


def _due(attrs, task, evaluate, now, calendar) -> datetime | None:
    days = attrs.get("timeLimitDays")
    if days is not None:
        return calendar.add_working_days(now, float(days))
    raw = attrs.get("dueDate")
    if not raw:
        return None
    expr = expression_of(raw)
    value = evaluate(expr, dict(task.data)) if expr else raw
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ExpressionFailed(
            "due date is not an ISO date or date-time", element_id=task.task_spec.bpmn_id, value=str(value)
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
