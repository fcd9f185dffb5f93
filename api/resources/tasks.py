"""Tasks: my tasks and my groups' queues, claim, unclaim, transfer (转办), complete, form, comments."""

from __future__ import annotations

from flask import Blueprint, request

from engine import queries, runtime, task_lights
from engine.models import WorkTask

from .. import access, comments, task_work, worklist
from ..auditing import context, work
from ..auth import actor, env, reading, require_principal
from ..case_settings import case_config, now
from ..disclosure import disclose_data, in_list
from ..endpoint import Header, Reply, endpoint
from ..form_binding import task_form
from ..schemas.tasks import (
    QueueLightsSchema,
    CommentCreateSchema,
    CommentSchema,
    CompletedSchema,
    CompleteSchema,
    TaskFormSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSchema,
    TransferSchema,
)

bp = Blueprint("tasks", __name__)
WORK = "tasks:work"
IF_MATCH = Header("If-Match", "the task's ETag as read; a stale one answers 409 (task finished by someone "
                              "else) or 412 (task changed hands)")


def _visible_task(task_id: str) -> dict:
    with reading() as uow:
        view = worklist.task_out(access.require_task(uow.session, require_principal(), task_id))
    if context() is not None:
        context().case_id = view["instance_id"]
    return view


def _task_reply(task_id: str) -> Reply:
    view = _visible_task(task_id)
    return Reply(view, headers={"ETag": view["etag"]})


@bp.get("/tasks")
@endpoint("My tasks and my groups' queue, soonest deadline first", permission=WORK, query=TaskQuerySchema(),
          response=TaskPageSchema())
def list_tasks(query):
    with reading() as uow:
        items = worklist.list_tasks(uow.session, require_principal(), **query)
    return {"items": [in_list(t) for t in items], "limit": query["limit"], "offset": query["offset"]}


@bp.get("/tasks/lights")
@endpoint("My groups' queues counted by warning light (green / yellow / red), as of now", permission=WORK,
          response=QueueLightsSchema(many=True))
def queue_lights():
    principal, at = require_principal(), now()
    share = case_config().yellow_share
    with reading() as uow:
        return [{"group": group, **task_lights.counts_by_light(uow, group, yellow_share=share, now=at)}
                for group in sorted(principal.groups)]


@bp.get("/tasks/<task_id>")
@endpoint("A task (with its ETag)", permission=WORK, response=TaskSchema(), errors=(404,),
          response_headers={"ETag": "send as If-Match when completing"})
def get_task(task_id):
    return _task_reply(task_id)


@bp.post("/tasks/<task_id>/claim")
@endpoint("Claim a task of my groups", permission=WORK, response=TaskSchema(), errors=(404, 409),
          audit=("task.claimed", "task"), audit_id="task_id")
def claim(task_id):
    _visible_task(task_id)
    runtime.claim_task(work(), task_id, actor=actor())
    return _task_reply(task_id)


@bp.post("/tasks/<task_id>/unclaim")
@endpoint("Give a claimed task back to its groups", permission=WORK, response=TaskSchema(), errors=(404, 409),
          audit=("task.unclaimed", "task"), audit_id="task_id")
def unclaim(task_id):
    _visible_task(task_id)
    runtime.unclaim_task(work(), task_id, actor=actor())
    return _task_reply(task_id)


@bp.post("/tasks/<task_id>/transfer")
@endpoint("Transfer a task I hold to a colleague (转办)", permission=WORK, body=TransferSchema(),
          response=TaskSchema(), errors=(404, 409), audit=("task.transferred", "task"), audit_id="task_id")
def transfer(task_id, body):
    _visible_task(task_id)
    context().details = {"to": body["to_user"]}
    task_work.transfer(work(), task_id, actor=actor(), to_user=body["to_user"], reason=body["reason"])
    with reading() as uow:
        return worklist.task_out(uow.session.get(WorkTask, task_id))


@bp.post("/tasks/<task_id>/complete")
@endpoint("Complete a task with its form data", permission=WORK, body=CompleteSchema(), response=CompletedSchema(),
          headers=(IF_MATCH,), errors=(404, 409, 412), audit=("task.completed", "task"), audit_id="task_id")
def complete(task_id, body):
    # One transaction: the access check, the routing read and the step itself.
    with work() as uow:
        task = access.require_task(uow.session, require_principal(), task_id)
        route = task_work.route_of(uow.session, task)
        context().case_id = route.instance_id
        task_work.check_if_match(env(), task_id, request.headers.get("If-Match"))
        return task_work.complete(uow, task_id, body["data"], actor=actor(), now=now(), route=route)


@bp.get("/tasks/<task_id>/form")
@endpoint("The task's form and the data to render it with", permission=WORK, response=TaskFormSchema(),
          errors=(404,))
def form(task_id):
    principal = require_principal()
    with reading() as uow:
        access.require_task(uow.session, principal, task_id)
        task = queries.get_task(uow, task_id, with_data=True)
        version = task_form(uow.session, task["instance_id"], task["form_key"])
        applicants = access.case_applicants(uow.session, task["instance_id"])
        fields = uow.personal_fields.get(task["instance_id"], frozenset())
    data = disclose_data(principal, {"applicants": applicants}, task["data"], object_type="task", object_id=task_id,
                         case_id=task["instance_id"], fields=fields)
    return {"task_id": task_id, "form_key": task["form_key"], "data": data,
            "form_version": version.version if version else None,
            "schema": version.schema if version else None, "ui_schema": version.ui_schema if version else None}


@bp.get("/tasks/<task_id>/comments")
@endpoint("Comments and approval opinions on a task", permission=WORK, response=CommentSchema(many=True),
          errors=(404,))
def list_comments(task_id):
    with reading() as uow:
        access.require_task(uow.session, require_principal(), task_id)
        return comments.list_comments(uow, task_id)


@bp.post("/tasks/<task_id>/comments")
@endpoint("Comment on a task, or give an approval opinion (审批意见)", permission=WORK,
          body=CommentCreateSchema(), response=CommentSchema(), status=201, errors=(404, 409),
          audit=("task.commented", "task"), audit_id="task_id")
def add_comment(task_id, body):
    principal = require_principal()
    work_row = _visible_task(task_id)
    may_work = actor(principal).may_work(work_row["assignee"], work_row["candidate_groups"],
                                         work_row["candidate_users"])
    context().details = {"kind": body["kind"], "verdict": body["verdict"]}
    comment_id = comments.add_comment(work(), task_id, author=principal.username, text=body["text"],
                                      kind=body["kind"], verdict=body["verdict"], may_work=may_work)
    with reading() as uow:
        return next(c for c in comments.list_comments(uow, task_id) if c["id"] == comment_id)
