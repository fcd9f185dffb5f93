"""Schemas for tasks: worklists, working a task, its form, comments and opinions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import JsonObject, PageQuerySchema, Timestamp

TASK_STATES = ["ready", "completed", "cancelled"]


class TaskSchema(Schema):
    id = fields.String(required=True)
    instance_id = fields.String(required=True)
    process_id = fields.String(required=True)
    business_key = fields.String(allow_none=True)
    element_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    kind = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(TASK_STATES))
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String(), required=True)
    candidate_users = fields.List(fields.String(), required=True)
    form_key = fields.String(allow_none=True)
    loop_item = fields.Raw(allow_none=True, metadata={"description": "multi-instance item (e.g. the department)"})
    due_at = Timestamp(allow_none=True)
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline counts through a year whose holiday notice is not loaded (临时)"})
    created_at = Timestamp(required=True)
    completed_at = Timestamp(allow_none=True)
    completed_by = fields.String(allow_none=True)
    overdue = fields.Boolean(required=True)
    etag = fields.String(required=True, metadata={"description": "send as If-Match when completing"})


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class TaskQuerySchema(PageQuerySchema):
    scope = fields.String(load_default="all", validate=validate.OneOf(["all", "mine", "queue"]), metadata={
        "description": "mine: assigned to me; queue: unclaimed in my groups; all: both"})
    state = fields.String(load_default="ready", validate=validate.OneOf(TASK_STATES))
    process_id = fields.String(load_default=None, validate=validate.Length(min=1, max=255),
                               metadata={"description": "the service item's process"})
    group = fields.String(load_default=None, validate=validate.Length(min=1, max=255),
                          metadata={"description": "department or window (one of mine)"})
    due_before = Timestamp(load_default=None)
    overdue = fields.Boolean(load_default=None)


class CompleteSchema(Schema):
    data = JsonObject(load_default=dict)


class CompletedSchema(Schema):
    task_id = fields.String(required=True)
    instance_id = fields.String(required=True)
    instance_status = fields.String(required=True)


class TransferSchema(Schema):
    to_user = fields.String(required=True, validate=validate.Length(min=1, max=150))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class TaskFormSchema(Schema):
    task_id = fields.String(required=True)
    form_key = fields.String(allow_none=True)
    form_version = fields.Integer(allow_none=True)
    schema = JsonObject(allow_none=True)
    ui_schema = JsonObject(allow_none=True)
    data = JsonObject(required=True, metadata={"description": "the case data the form is rendered with"})


class CommentCreateSchema(Schema):
    kind = fields.String(load_default="comment", validate=validate.OneOf(["comment", "opinion"]),
                         metadata={"description": "opinion: an approval opinion (审批意见) with a verdict"})
    verdict = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["agree", "disagree", "abstain"]))
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    task_id = fields.String(required=True)
    instance_id = fields.String(required=True)
    kind = fields.String(required=True)
    verdict = fields.String(allow_none=True)
    text = fields.String(required=True)
    author = fields.String(required=True)
    at = Timestamp(required=True)


class QueueLightsSchema(Schema):
    """How many open tasks a department's (or window's) queue holds, by warning light."""

    group = fields.String(required=True)
    green = fields.Integer(required=True)
    yellow = fields.Integer(required=True)
    red = fields.Integer(required=True)
