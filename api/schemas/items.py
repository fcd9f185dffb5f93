"""Schemas of the service item catalogue (政务服务事项): search, versions, import results."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from processes.item_schema import ITEM_TYPES, LEVELS

from .common import JsonObject, PageQuerySchema, QuerySchema, Timestamp
from .definitions import DeployedProcessSchema, LintIssueSchema, PublishedFormRefSchema

ITEM_CODE = validate.Regexp(r"^[A-Z0-9]+(-[A-Z0-9]+)*$", error="an item code (事项编码): A-Z, 0-9 and dashes")
REGION_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$", error="6, 9 or 12 digits")


class ItemSearchSchema(PageQuerySchema):
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                      metadata={"description": "words of the item's name, code or department (e.g. 不动产, 企业开办)"})
    type = fields.String(load_default=None, validate=validate.OneOf(list(ITEM_TYPES)))
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    region_code = fields.String(load_default=None, validate=REGION_CODE)
    level = fields.String(load_default=None, validate=validate.OneOf(list(LEVELS)))


class VersionQuerySchema(QuerySchema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "a published version (default: the latest)"})


class ItemSummarySchema(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    type_label = fields.String(required=True, metadata={"example": "行政许可"})
    department = fields.String(required=True)
    level = fields.String(required=True)
    region_code = fields.String(required=True)
    statutory_days = fields.Float(required=True, metadata={"description": "法定时限, working days"})
    promised_days = fields.Float(required=True, metadata={"description": "承诺时限, working days"})
    online_depth = fields.Integer(required=True)
    at_most_one_visit = fields.Boolean(required=True)
    zero_visit = fields.Boolean(required=True)
    one_thing = fields.Boolean(required=True, metadata={"description": "一件事: several items, one application"})
    published_at = Timestamp(required=True)


class ItemPageSchema(Schema):
    items = fields.List(fields.Nested(ItemSummarySchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class ItemSchema(ItemSummarySchema):
    document = JsonObject(required=True, metadata={"description": "the published item.json, defaults written out"})
    process_id = fields.String(required=True)
    definition_id = fields.Integer(required=True)
    definitions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                              metadata={"description": "process id -> pinned definition version"})
    form_versions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                metadata={"description": "form key -> pinned form version"})
    critical_days = fields.Float(required=True, metadata={"description": "longest path of step limits"})
    note = fields.String(allow_none=True)


class ItemVersionSchema(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    content_hash = fields.String(required=True)
    published_at = Timestamp(required=True)
    note = fields.String(allow_none=True)


class ItemImportQuerySchema(QuerySchema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class ItemImportSchema(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    created = fields.Boolean(required=True, metadata={"description": "false: identical content was published "
                                                                     "before (that version is returned)"})
    process_id = fields.String(required=True)
    definition_id = fields.Integer(required=True)
    definitions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    form_versions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    critical_days = fields.Float(required=True)
    processes = fields.List(fields.Nested(DeployedProcessSchema), required=True)
    forms = fields.List(fields.Nested(PublishedFormRefSchema), required=True)
    warnings = fields.List(fields.Nested(LintIssueSchema), required=True)


class ItemCheckSchema(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "no errors (warnings allowed)"})
    problems = fields.List(fields.Nested(LintIssueSchema), required=True)
