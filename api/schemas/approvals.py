"""Schemas of the approval actions: 退回, 撤回, 加签, 减签, 抄送."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import Timestamp

REASON = validate.Length(min=1, max=2000)
NAMES = fields.List(fields.String(validate=validate.Length(min=1, max=255)), load_default=list,
                    validate=validate.Length(max=50))


class ReturnSchema(Schema):
    to_element_id = fields.String(required=True, validate=validate.Length(min=1, max=255),
                                  metadata={"description": "the earlier step (BPMN element id) to return to"})
    reason = fields.String(required=True, validate=REASON)


class WithdrawSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class ReopenedSchema(Schema):
    task_id = fields.String(required=True, metadata={"description": "the step open again"})
    instance_id = fields.String(required=True)


class AddCountersignerSchema(Schema):
    element_id = fields.String(required=True, validate=validate.Length(min=1, max=255),
                               metadata={"description": "the running countersign (multi-instance) step"})
    participant = fields.String(required=True, validate=validate.Length(min=1, max=255),
                                metadata={"description": "who joins, as the countersign's list names them "
                                                         "(e.g. a department)"})
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class RemoveCountersignerSchema(Schema):
    reason = fields.String(required=True, validate=REASON)


class CountersignerSchema(Schema):
    task_id = fields.String(required=True)
    instance_id = fields.String(required=True)
    element_id = fields.String(required=True)
    participant = fields.Raw(allow_none=True)


class CopyRequestSchema(Schema):
    users = NAMES
    groups = NAMES
    note = fields.String(load_default=None, allow_none=True, validate=REASON)


class CopySchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.String(required=True)
    to_user = fields.String(allow_none=True)
    to_group = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    at = Timestamp(required=True)
