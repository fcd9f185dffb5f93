"""Schemas for published forms."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import JsonObject, Timestamp

FORM_KEY = validate.Regexp(r"^[A-Za-z_][\w.-]{0,199}$", error="a form key: letters, digits, _ . -")


class FormPublishSchema(Schema):
    schema = JsonObject(required=True, metadata={"description": "JSON Schema (draft 2020-12)"})
    ui_schema = JsonObject(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FormCheckSchema(Schema):
    schema = JsonObject(required=True)
    ui_schema = JsonObject(load_default=None, allow_none=True)


class SchemaProblemSchema(Schema):
    pointer = fields.String(required=True)
    message = fields.String(required=True)
    document = fields.String(required=True)


class FormCheckReportSchema(Schema):
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(SchemaProblemSchema), required=True)


class FormVersionSchema(Schema):
    form_key = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = Timestamp(required=True)
    schema = JsonObject(required=True)
    ui_schema = JsonObject(allow_none=True)


class FormVersionSummarySchema(Schema):
    form_key = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = Timestamp(required=True)


class FormChangeSchema(Schema):
    pointer = fields.String(required=True)
    kind = fields.String(required=True)
    breaking = fields.Boolean(required=True)
    description = fields.String(required=True)


class PublishResultSchema(FormVersionSummarySchema):
    created = fields.Boolean(required=True)
    changes = fields.List(fields.Nested(FormChangeSchema), required=True)
