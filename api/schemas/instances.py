"""Schemas for cases (process instances), their history and message correlation."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import JsonObject, PageQuerySchema, Timestamp
from .definitions import PROCESS_ID
from .tasks import TaskSchema

STATUSES = ["running", "suspended", "completed", "cancelled", "terminated"]
BUSINESS_KEY = validate.Length(min=1, max=255)


class StartSchema(Schema):
    process_id = fields.String(load_default=None, validate=PROCESS_ID,
                               metadata={"description": "start the latest version of this process"})
    definition_id = fields.Integer(load_default=None, validate=validate.Range(min=1),
                                   metadata={"description": "or this exact version"})
    business_key = fields.String(load_default=None, allow_none=True, validate=BUSINESS_KEY)
    data = JsonObject(load_default=dict)
    applicant = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=150),
                              metadata={"description": "username of the applicant the case belongs to "
                                                       "(clerks at a window; applicants are themselves)"})

    @validates_schema
    def one_target(self, data, **_):
        if (data.get("process_id") is None) == (data.get("definition_id") is None):
            raise ValidationError("give exactly one of process_id and definition_id", "process_id")


class InstanceSummarySchema(Schema):
    id = fields.String(required=True)
    process_id = fields.String(required=True)
    definition_id = fields.Integer(required=True)
    business_key = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    started_by = fields.String(allow_none=True)
    started_at = Timestamp(required=True)
    ended_at = Timestamp(allow_none=True)


class InstancePageSchema(Schema):
    items = fields.List(fields.Nested(InstanceSummarySchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class HistoryEntrySchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    actor = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    details = JsonObject(required=True)
    at = Timestamp(required=True)


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.String(required=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    kind = fields.String(required=True)
    message = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_retry_at = Timestamp(allow_none=True)
    created_at = Timestamp(required=True)


class InstanceSchema(InstanceSummarySchema):
    definition_version = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "changes with every step"})
    applicants = fields.List(fields.String(), required=True)
    current_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    incidents = fields.List(fields.Nested(IncidentSchema), required=True)
    data = JsonObject(required=True, metadata={"description": "identifiers masked unless the caller's "
                                                              "role needs them in full"})
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    replayed = fields.Boolean(metadata={"description": "true when an Idempotency-Key replay returned an "
                                                      "earlier start"})


class InstanceQuerySchema(PageQuerySchema):
    process_id = fields.String(load_default=None, validate=PROCESS_ID)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    business_key = fields.String(load_default=None, validate=BUSINESS_KEY)
    started_after = Timestamp(load_default=None)
    started_before = Timestamp(load_default=None)


class StatusSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class MessageSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    payload = JsonObject(load_default=dict)
    correlations = JsonObject(load_default=dict)
    business_key = fields.String(load_default=None, allow_none=True, validate=BUSINESS_KEY)
    instance_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))


class CorrelationResultSchema(Schema):
    instance_ids = fields.List(fields.String(), required=True)
