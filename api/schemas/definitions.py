"""Schemas for process definitions: deploy results, lint reports, versions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import QuerySchema, Timestamp

PROCESS_ID = validate.Regexp(r"^[A-Za-z_][\w.-]{0,254}$", error="a BPMN process id")


class LintIssueSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(["error", "warning"]))
    element_id = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    file = fields.String(allow_none=True)
    pointer = fields.String(allow_none=True, metadata={"description": "JSON pointer into item.json or a form"})
    reason = fields.String(allow_none=True, metadata={"description": "what the code means, in Chinese"})
    reason_en = fields.String(allow_none=True, metadata={"description": "what the code means, in English"})


class LintReportSchema(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "no errors (warnings allowed)"})
    issues = fields.List(fields.Nested(LintIssueSchema), required=True)


class DeployedProcessSchema(Schema):
    definition_id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True, metadata={"description": "false: identical content was deployed before"})


class PublishedFormRefSchema(Schema):
    form_key = fields.String(required=True)
    version = fields.Integer(required=True)


class ServiceItemRefSchema(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    created = fields.Boolean(required=True, metadata={"description": "false: identical content was published "
                                                                     "before"})


class DeployResultSchema(Schema):
    processes = fields.List(fields.Nested(DeployedProcessSchema), required=True)
    warnings = fields.List(fields.Nested(LintIssueSchema), required=True)
    forms = fields.List(fields.Nested(PublishedFormRefSchema), required=True)
    item = fields.Nested(ServiceItemRefSchema, allow_none=True)


class DefinitionSchema(Schema):
    id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    content_hash = fields.String(required=True)
    deployed_at = Timestamp(required=True)
    deployed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    form_keys = fields.List(fields.String(), required=True)
    files = fields.List(fields.String(), required=True, metadata={"description": "file names in the bundle"})
    lint = fields.List(fields.Nested(LintIssueSchema), required=True)


class DefinitionQuerySchema(QuerySchema):
    process_id = fields.String(load_default=None, validate=PROCESS_ID)


class DeployQuerySchema(QuerySchema):
    filename = fields.String(load_default="process.bpmn", validate=validate.Regexp(
        r"^[\w.-]{1,200}\.(bpmn|dmn|xml)$", error="a .bpmn, .dmn or .xml file name"),
        metadata={"description": "name of the uploaded file when the body is raw XML"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class XmlQuerySchema(QuerySchema):
    file = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                         metadata={"description": "which file of the bundle (default: the first)"})
