"""Schemas of electronic supervision (电子监察): lights, notices, poor ratings, statistics."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from processes.case_models import LIGHTS
from processes.statistics import DIMENSIONS

from .common import PageQuerySchema, QuerySchema, Timestamp
from .items import REGION_CODE


class SupervisedQuerySchema(PageQuerySchema):
    light = fields.String(load_default=None, validate=validate.OneOf(LIGHTS))
    item_code = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    region_code = fields.String(load_default=None, validate=REGION_CODE)
    open_only = fields.Boolean(load_default=True)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))


class SupervisedCaseSchema(Schema):
    tracking_number = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    department = fields.String(required=True)
    region_code = fields.String(required=True)
    channel = fields.String(required=True)
    opened_at = Timestamp(required=True)
    promised_days = fields.Integer(required=True)
    paused_days = fields.Integer(required=True)
    due_at = Timestamp(required=True)
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline counts through a year whose holiday notice is not loaded (临时)"})
    light = fields.String(required=True, validate=validate.OneOf(LIGHTS))
    light_at = Timestamp(allow_none=True, metadata={"description": "when the light last changed"})
    outcome = fields.String(allow_none=True)
    closed_at = Timestamp(allow_none=True)
    case_id = fields.String(required=True, metadata={"description": "the case's instance id (GET /cases/{id})"})


class NoticeQuerySchema(QuerySchema):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    level = fields.String(load_default=None, validate=validate.OneOf(["yellow", "red"]))
    open_only = fields.Boolean(load_default=True)


class NoticeSchema(Schema):
    id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    case_id = fields.String(required=True)
    subject = fields.String(required=True, metadata={"description": "case, task:<id> or promise:<id>"})
    level = fields.String(required=True)
    element_id = fields.String(allow_none=True)
    department = fields.String(required=True, metadata={"description": "who must act"})
    due_at = Timestamp(required=True)
    raised_at = Timestamp(required=True)
    acknowledged_by = fields.String(allow_none=True)


class SweepSchema(Schema):
    queued = fields.Integer(required=True, metadata={"description": "open cases whose lights are being marked"})
    at = Timestamp(required=True)


class FlaggedQuerySchema(QuerySchema):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    open_only = fields.Boolean(load_default=True, metadata={"description": "only those without a follow-up"})


class FlaggedRatingSchema(Schema):
    case_id = fields.String(required=True)
    tracking_number = fields.String(required=True)
    item_code = fields.String(required=True)
    department = fields.String(required=True)
    score = fields.Integer(required=True)
    comment = fields.String(allow_none=True)
    rated_at = Timestamp(required=True)
    handled_task_id = fields.String(allow_none=True)
    handled_element_id = fields.String(allow_none=True)
    handler = fields.String(allow_none=True, metadata={"description": "who last handled the case"})
    steps = fields.List(fields.Dict(), required=True)
    follow_up = fields.String(allow_none=True)
    followed_up_at = Timestamp(allow_none=True)


class FollowUpSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StatisticsQuerySchema(QuerySchema):
    by = fields.List(fields.String(validate=validate.OneOf(sorted(DIMENSIONS))), load_default=list,
                     validate=validate.Length(max=len(DIMENSIONS)),
                     metadata={"description": "group by (repeat): item, department, region, channel, month"})
    opened_from = Timestamp(load_default=None)
    opened_to = Timestamp(load_default=None)


class StatisticsRowSchema(Schema):
    item_code = fields.String()
    department = fields.String()
    region_code = fields.String()
    channel = fields.String()
    month = fields.String()
    cases = fields.Integer(required=True)
    online = fields.Integer(required=True)
    online_share = fields.Float(required=True)
    closed = fields.Integer(required=True)
    decided = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    on_time_rate = fields.Float(allow_none=True)
    duration_p50 = fields.Integer(allow_none=True, metadata={"description": "working days, pauses excluded"})
    duration_p90 = fields.Integer(allow_none=True)
    duration_max = fields.Integer(allow_none=True)
    rated = fields.Integer(required=True)
    rating_avg = fields.Float(allow_none=True)
    poor_ratings = fields.Integer(required=True)
