"""Schemas for the audit trail."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import JsonObject, PageQuerySchema, Timestamp


class AuditRecordSchema(Schema):
    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    at = Timestamp(required=True)
    actor = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    result = fields.String(required=True, validate=validate.OneOf(["ok", "denied", "failed"]))
    details = JsonObject(required=True)
    hash = fields.String(required=True)


class AuditQuerySchema(PageQuerySchema):
    actor = fields.String(load_default=None, validate=validate.Length(min=1, max=150))
    action = fields.String(load_default=None, validate=validate.Length(min=1, max=80))
    object_type = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    object_id = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    result = fields.String(load_default=None, validate=validate.OneOf(["ok", "denied", "failed"]))


class VerificationSchema(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True)
    broken_seq = fields.Integer(allow_none=True)
    broken_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    summary = fields.String(required=True)
    checkpoints = fields.Integer(metadata={"description": "signed checkpoints (outside the database) that agree"})
    checkpoints_ok = fields.Boolean(metadata={"description": "false: a checkpoint contradicts the chain"})


class IncidentQuerySchema(PageQuerySchema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved", "all"]))
    instance_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))
