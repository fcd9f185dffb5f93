"""Comments and approval opinions (审批意见) on tasks; opinions also enter the case history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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
        comment = TaskComment(task_id=task_id, instance_id=work.instance_id, kind=kind, verdict=verdict,
                              text=text, author=author)
        uow.session.add(comment)
        uow.session.flush()
        if kind == "opinion":
            history.record(uow, work.instance_id, "task.opinion", author, task_id=task_id,
                           element_id=work.element_id, verdict=verdict, text=text)
        uow.commit()
        return comment.id


def list_comments(session: Session, task_id: str) -> list[TaskComment]:
    return list(session.scalars(select(TaskComment).where(TaskComment.task_id == task_id).order_by(TaskComment.id)))
