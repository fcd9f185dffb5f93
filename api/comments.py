"""Comments and approval opinions (审批意见) on tasks; opinions also enter the case history.

A text quoting an ID or mobile number is stored sealed, like the case's data (engine/sealing.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import history
from engine.errors import NotAllowed, TaskNotFound, TaskNotReady
from engine.models import WorkTask

from .errors import Invalid
from .models import TaskComment


def add_comment(uow, task_id: str, *, author: str, text: str, kind: str = "comment",
                verdict: str | None = None, may_work: bool = True) -> int:
    if kind == "opinion" and verdict is None:
        raise Invalid("an opinion needs a verdict", errors=[{"pointer": "/verdict", "message": "required"}])
    if kind == "comment" and verdict is not None:
        raise Invalid("only opinions have a verdict", errors=[{"pointer": "/verdict", "message": "not allowed"}])
    with uow:
        work = uow.session.get(WorkTask, task_id)
        if work is None:
            raise TaskNotFound("no task with this id", task_id=task_id)
        if kind == "opinion":
            if work.state != "ready":
                raise TaskNotReady(f"the task is already {work.state}", task_id=task_id)
            if not may_work:
                raise NotAllowed("only who may work the task gives its opinion", task_id=task_id)
        sealed = uow.env.protector.seal(text, history.context_of(work.instance_id))
        comment = TaskComment(task_id=task_id, instance_id=work.instance_id, kind=kind, verdict=verdict,
                              text=sealed, author=author)
        uow.session.add(comment)
        uow.session.flush()
        if kind == "opinion":
            history.record(uow, work.instance_id, "task.opinion", author, task_id=task_id,
                           element_id=work.element_id, verdict=verdict, text=text)
        uow.commit()
        return comment.id


def list_comments(uow, task_id: str) -> list[dict[str, Any]]:
    """The task's comments, oldest first, their texts opened (``uow`` entered)."""
    rows = uow.session.scalars(select(TaskComment).where(TaskComment.task_id == task_id).order_by(TaskComment.id))
    opened = uow.env.protector.open
    return [{"id": c.id, "task_id": c.task_id, "instance_id": c.instance_id, "kind": c.kind, "verdict": c.verdict,
             "text": opened(c.text, history.context_of(c.instance_id)), "author": c.author, "at": c.at}
            for c in rows]


def reseal_comments(env, *, dry_run: bool = False) -> int:
    """Move comment texts to the current data key, sealing those that quote identifiers; returns how many."""
    changed = 0
    with env.unit_of_work() as uow:
        for comment in uow.session.scalars(select(TaskComment).order_by(TaskComment.id)):
            text = env.protector.reseal(comment.text, history.context_of(comment.instance_id))
            if text != comment.text:
                changed += 1
                if not dry_run:
                    comment.text = text
        if not dry_run:
            uow.commit()
    return changed
